"""`supportlive run` copies the catalog's maintenance windows into its database at start: the
verdict says maintenance with the catalog's reason, and a restart does not add them twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from bot.app import running
from bot.catalog import load_catalog
from bot.clock import SystemClock
from bot.settings import load_settings
from bot.vocab import Verdict
from tests.support.site import loopback_catalog


async def test_run_puts_catalog_windows_in_force_once(tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    data = loopback_catalog(9)
    data["exchanges"][0]["maintenance"] = [  # type: ignore[index]
        {
            "channel": "live_chat",
            "starts_at": now - timedelta(minutes=5),
            "ends_at": now + timedelta(hours=1),
            "reason": {"en": "Chat system upgrade", "zh": "客服系统升级"},
        },
        {"starts_at": now + timedelta(days=1), "ends_at": now + timedelta(days=1, hours=2)},
    ]
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings = load_settings(
        catalog_path=path,
        database_path=tmp_path / "bot.sqlite3",
        allow_local_targets=True,
        canary_urls=(),  # no test reaches the internet
        web_enabled=False,
    )
    catalog = load_catalog(path, allow_local=True)
    for _ in range(2):  # start, stop, start again
        async with running(settings, catalog, SystemClock()) as runtime:
            view = await runtime.core.status.exchange_status(catalog.exchanges[0])
            async with runtime.store.db.reading() as conn:
                rows = list(await conn.fetchall("SELECT source FROM maintenance"))

    chat = view.channel("live_chat")
    assert chat is not None and chat.verdict is Verdict.MAINTENANCE
    assert chat.reasons[0].params["note_zh"] == "客服系统升级"
    assert {c.channel.id: c.verdict for c in view.channels}["email"] is Verdict.LIVE
    assert sorted(r[0] for r in rows) == sorted(
        [
            f"catalog:loopex/live_chat@{now - timedelta(minutes=5):%Y-%m-%dT%H:%M:%SZ}",
            f"catalog:loopex/*@{now + timedelta(days=1):%Y-%m-%dT%H:%M:%SZ}",
        ]
    )
