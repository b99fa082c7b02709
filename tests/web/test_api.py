"""The JSON API: shapes a client can rely on, and errors as JSON with their status code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.clock import FakeClock
from tests.answers.fakes import FakeLive, FakeStore

Client = TestClient[web.Request, web.Application]


async def get_json(client: Client, path: str, status: int = 200) -> Any:
    response = await client.get(path)
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    return await response.json()


async def test_it_lists_every_exchange_with_its_answer_and_verdicts(client: Client) -> None:
    body = await get_json(client, "/api/v1/exchanges")

    assert body["generated_at"] == "2026-11-24T19:00:00Z"
    mexc, nova = body["exchanges"]
    assert mexc["answer"] == {
        "kind": "down",
        "channel": "live_chat",
        "fallback": "email",
        "best_async": None,
        "opens_at": None,
    }
    assert [(c["id"], c["verdict"]) for c in mexc["channels"]] == [
        ("live_chat", "down"),
        ("help_center", "live"),
        ("email", "live"),
        ("x", "live"),
    ]
    assert mexc["url"] == "/api/v1/exchanges/mexc"
    assert nova["answer"]["kind"] == "closed"
    assert nova["answer"]["opens_at"] == "2026-11-25T01:00:00Z"


async def test_it_shows_one_exchange_with_channels_figures_and_routes(client: Client) -> None:
    body = await get_json(client, "/api/v1/exchanges/mexc")

    assert body["id"] == "mexc"
    assert body["official_domains"] == ["mexc.com"]
    chat = body["channels"][0]
    assert chat["verdict"] == "down"
    assert chat["reasons"][0] == {"code": "probe_down", "params": {"detail": "timeout after 10 s"}}
    assert chat["health"] == "down"
    assert chat["checked_at"] == "2026-11-24T18:59:30Z"
    assert chat["latency_ms"]["p95_1h"] == 410.0
    assert chat["uptime"] == {"24h": 1.0, "7d": 0.998, "30d": 0.99}
    assert len(chat["last_24h"]) == 24
    assert chat["last_24h"][0] == {
        "hour": "2026-11-23T20:00:00Z",
        "checks": 60,
        "failures": 0,
        "partial": False,
    }
    assert chat["last_24h"][-2] == {
        "hour": "2026-11-24T18:00:00Z",
        "checks": 60,
        "failures": 40,
        "partial": False,
    }
    # The hour under way (it is 19:00:00): in the bars, marked partial, no checks yet.
    assert chat["last_24h"][-1] == {
        "hour": "2026-11-24T19:00:00Z",
        "checks": 0,
        "failures": 0,
        "partial": True,
    }
    assert body["routes"]["account_compromised"] == {
        "freeze_channel": None,
        "channels": ["live_chat", "email"],
        "recommended": "email",
        "best_async": None,
        "verified": True,
    }


async def test_it_never_gives_a_help_center_as_the_fallback(
    client: Client, live: FakeLive, clock: FakeClock
) -> None:
    live.down("mexc/email", clock.now(), minutes=5, detail="no such domain", error="dns")
    body = await get_json(client, "/api/v1/exchanges/mexc")

    assert body["channels"][1]["verdict"] == "live"  # the help center is up, and listed
    assert body["answer"] == {
        "kind": "down",
        "channel": "live_chat",
        "fallback": None,
        "best_async": None,
        "opens_at": None,
    }
    route = body["routes"]["deposit_missing"]  # live chat, then the help center
    assert (route["recommended"], route["best_async"]) == (None, None)


async def test_it_names_the_e_mail_to_write_to_when_nobody_is_confirmed(
    client: Client, live: FakeLive, clock: FakeClock
) -> None:
    live.up("mexc/email", clock.now(), 12, age_s=1800)  # stale: not confirmed, not seen down
    body = await get_json(client, "/api/v1/exchanges/mexc")

    assert (body["answer"]["fallback"], body["answer"]["best_async"]) == (None, "email")
    route = body["routes"]["account_compromised"]
    assert (route["recommended"], route["best_async"]) == (None, "email")


async def test_it_carries_the_status_page_and_its_incidents(client: Client) -> None:
    body = await get_json(client, "/api/v1/exchanges/nova")

    assert body["upstream"] == {
        "indicator": "minor",
        "reachable": True,
        "detail": None,
        "incidents": [
            {"name": "Delayed BTC withdrawals", "status": "investigating", "impact": "minor"}
        ],
        "components": [],
    }
    assert body["routes"]["account_compromised"]["freeze_channel"] == "freeze"


async def test_it_names_channels_in_chinese_when_asked(client: Client) -> None:
    body = await get_json(client, "/api/v1/exchanges/mexc?lang=zh")

    assert body["channels"][0]["name"] == "在线客服"


async def test_it_answers_an_unknown_exchange_with_404_and_the_known_ones(client: Client) -> None:
    body = await get_json(client, "/api/v1/exchanges/mexx", status=404)

    assert body == {
        "error": {"code": 404, "message": "unknown exchange 'mexx'", "known": ["mexc", "nova"]}
    }


async def test_it_gives_the_history_of_the_last_days_oldest_first(client: Client) -> None:
    body = await get_json(client, "/api/v1/exchanges/mexc/history")

    assert body["exchange"] == "mexc"
    assert body["days"] == 7
    assert [(t["at"], t["new"]) for t in body["transitions"]] == [
        ("2026-11-23T18:16:00Z", "down"),
        ("2026-11-23T18:30:00Z", "up"),
        ("2026-11-24T18:48:00Z", "down"),
    ]
    assert body["transitions"][0] == {
        "channel": "live_chat",
        "at": "2026-11-23T18:16:00Z",
        "old": "up",
        "new": "down",
        "detail": "HTTP 503",
        "error": "http_status",
    }


async def test_it_says_since_when_it_watches(
    client: Client, store: FakeStore, clock: FakeClock
) -> None:
    body = await get_json(client, "/api/v1/exchanges/mexc/history")
    assert body["watching_since"] == "2026-01-01T00:00:00Z"

    store.since = clock.now() - timedelta(hours=2)  # a new database: less than the 7 days
    # Another query than above: the render cache keeps an answer a few seconds.
    body = await get_json(client, "/api/v1/exchanges/mexc/history?days=7")
    assert body["watching_since"] == "2026-11-24T17:00:00Z"

    store.since = None
    body = await get_json(client, "/api/v1/exchanges/nova/history")
    assert (body["watching_since"], body["transitions"]) == (None, [])


async def test_it_keeps_history_within_the_days_asked(client: Client) -> None:
    body = await get_json(client, "/api/v1/exchanges/mexc/history?days=1")

    assert [t["at"] for t in body["transitions"]] == ["2026-11-24T18:48:00Z"]


@pytest.mark.parametrize("days", ["0", "31", "abc", "7.5", "-1", "", "١"])
async def test_it_refuses_days_outside_1_to_30_with_400(client: Client, days: str) -> None:
    body = await get_json(client, f"/api/v1/exchanges/mexc/history?days={days}", status=400)

    assert body == {"error": {"code": 400, "message": "days must be a whole number from 1 to 30"}}


async def test_it_refuses_an_unknown_language_with_400(client: Client) -> None:
    body = await get_json(client, "/api/v1/exchanges?lang=fr", status=400)

    assert body["error"] == {"code": 400, "message": "lang must be 'en' or 'zh'"}


async def test_it_answers_an_unknown_api_path_with_json_404(client: Client) -> None:
    body = await get_json(client, "/api/v1/nothing-here", status=404)

    assert body["error"]["code"] == 404


async def test_it_accepts_only_reading_with_json_405(client: Client) -> None:
    response = await client.post("/api/v1/exchanges", data=b"x" * 10)

    assert response.status == 405
    assert (await response.json())["error"]["code"] == 405
    assert response.headers["Allow"] == "GET,HEAD"


async def test_verify_says_a_look_alike_is_not_the_exchange(client: Client) -> None:
    body = await get_json(client, "/api/v1/verify?q=mexc-support.com")
    assert body == {
        "verdict": "lookalike",
        "exchange": "mexc",
        "official": ["mexc.com"],
        "reason": "brand_in_domain",
        "subject": "link",
        "shown": "mexc-support[.]com",
    }


@pytest.mark.parametrize(
    ("q", "verdict", "exchange", "reason"),
    [
        ("https://www.mexc.com/support", "official", "mexc", "official_domain"),
        ("https://evil.io\\www.mexc.com/support", "lookalike", "mexc", "backslash"),
        ("https://mexc.com@evil.io/", "lookalike", "mexc", "userinfo"),
        ("service@mexc.com", "official", "mexc", "official_address"),
        ("@MEXC_Official", "official", "mexc", "official_account"),
        ("https://nova.example.security-check.io/", "lookalike", "nova", "official_as_subdomain"),
        ("example.org", "unknown", None, "no_exchange"),
        # A message pasted whole is answered by its riskiest link.
        (
            "Official: https://www.mexc.com or https://mexc-crypto.com",
            "lookalike",
            "mexc",
            "known_fake",
        ),
        ("hello there", "unknown", None, "not_a_link"),
        ("请访问mexc-crypto.com领取", "lookalike", "mexc", "known_fake"),
        ("MEXC Support <support@mexc-help.com>", "lookalike", "mexc", "brand_in_domain"),
    ],
)
async def test_verify_answers_in_codes(
    client: Client, q: str, verdict: str, exchange: str | None, reason: str
) -> None:
    response = await client.get("/api/v1/verify", params={"q": q})
    assert response.status == 200
    body = await response.json()
    assert (body["verdict"], body["exchange"], body["reason"]) == (verdict, exchange, reason)


@pytest.mark.parametrize("path", ["/api/v1/verify", "/api/v1/verify?q=", "/api/v1/verify?q=%20"])
async def test_verify_without_q_is_a_400_json_error(client: Client, path: str) -> None:
    body = await get_json(client, path, status=400)
    assert body["error"]["code"] == 400
    assert "missing q" in body["error"]["message"]


async def test_verify_refuses_an_overlong_q(client: Client) -> None:
    body = await get_json(client, "/api/v1/verify?q=" + "a" * 600, status=400)
    assert body["error"]["code"] == 400
