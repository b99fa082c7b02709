"""Alerts show what a remote side wrote (a probe's detail, a status page's incident, an API's
maintenance title or network name) as text no chat app makes a link of: only the catalog's
links are ever a tap away in an alert, as in every answer."""

from __future__ import annotations

import pytest

from bot.alerts.texts import render
from bot.catalog import Catalog
from bot.render.plain import to_plain
from bot.render.words import WORD_JOINER
from bot.vocab import Locale

# A redirect's Location, an incident or maintenance title, an API's network name: all remote.
LOOK_ALIKE = "mexc-refund.com"
SHOWN = f"mexc-refund.{WORD_JOINER}com"
SINCE = 1_795_000_000.0

PAYLOADS = [
    (
        "down",
        {
            "exchange": "mexc",
            "channel": "live_chat",
            "since": SINCE,
            "error": "other",
            "detail": f"redirect to unofficial host {LOOK_ALIKE}",
            "reason": f"redirect to unofficial host {LOOK_ALIKE} (3 checks in a row)",
        },
    ),
    (
        "degraded",
        {
            "exchange": "mexc",
            "channel": "live_chat",
            "since": SINCE,
            "cause": "intermittent",
            "detail": f"redirect to unofficial host {LOOK_ALIKE}",
        },
    ),
    (
        "incident_opened",
        {"exchange": "kraken", "incident": f"Refunds at {LOOK_ALIKE}", "since": SINCE},
    ),
    (
        "incident_resolved",
        {"exchange": "kraken", "incident": f"Refunds at {LOOK_ALIKE}", "duration_s": 600},
    ),
    (
        "maintenance_started",
        {"exchange": "kraken", "note": f"Upgrade, see {LOOK_ALIKE}", "ends_at": SINCE},
    ),
]


@pytest.mark.parametrize(("kind", "payload"), PAYLOADS, ids=[k for k, _ in PAYLOADS])
@pytest.mark.parametrize("locale", [Locale.EN, Locale.ZH])
def test_remote_words_in_an_alert_are_never_a_link(
    catalog: Catalog, kind: str, payload: dict[str, object], locale: Locale
) -> None:
    shown = to_plain(render(kind, payload, locale, catalog))
    assert LOOK_ALIKE not in shown
    if locale is Locale.EN or kind.startswith(("incident", "maintenance")):
        assert SHOWN in shown


def test_an_api_network_name_in_a_wallet_alert_is_never_a_link(catalog: Catalog) -> None:
    payload = {
        "exchange": "kraken",
        "coin": "usdt",
        "network": LOOK_ALIKE,
        "scope": "network",
        "withdraw": "suspended",
        "withdraw_was": "open",
        "at": SINCE,
        "also": [{"network": f"@{LOOK_ALIKE}", "deposit": "suspended", "deposit_was": "open"}],
    }
    shown = to_plain(render("wallet", payload, Locale.EN, catalog))
    assert LOOK_ALIKE not in shown.replace(f"@{WORD_JOINER}", "@")
    assert SHOWN in shown


def test_catalog_links_in_an_alert_stay_links(catalog: Catalog) -> None:
    reply = render("incident_opened", PAYLOADS[2][1], Locale.EN, catalog)
    assert "https://status.kraken.com" in [s.url for line in reply.lines for s in line if s.url]
