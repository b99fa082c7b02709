"""Each catalog rule has a test: a broken entry is refused, with its place named."""

from __future__ import annotations

import copy
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.catalog import CatalogError, load_catalog
from bot.catalog.load import check_data
from bot.settings import SHIPPED_CATALOG
from bot.vocab import Locale

GOOD: dict[str, Any] = {
    "exchanges": [
        {
            "id": "mexc",
            "name": "MEXC",
            "official_domains": ["mexc.com"],
            "never_link": ["mexc-crypto.com"],
            "channels": [
                {
                    "id": "live_chat",
                    "kind": "live_chat",
                    "mode": "live",
                    "name": {"en": "Online customer service", "zh": "在线客服"},
                    "url": "https://www.mexc.com/support",
                    "hours": "24/7",
                    "probe": {"kind": "http", "url": "https://www.mexc.com/support"},
                },
                {
                    "id": "email",
                    "kind": "email",
                    "mode": "async",
                    "name": "E-mail",
                    "address": "service@mexc.com",
                    "probe": {"kind": "dns", "name": "mexc.com", "record": "MX"},
                },
            ],
            "routes": {"withdrawal_stuck": {"channels": ["live_chat", "email"]}},
        }
    ]
}


def broken(path: list[str | int], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    node: Any = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def problems_of(data: dict[str, Any], *, allow_local: bool = False) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        check_data(Path("test.yaml"), data, allow_local=allow_local)
    return [str(p) for p in caught.value.problems]


CHANNEL = ["exchanges", 0, "channels", 0]
EMAIL = ["exchanges", 0, "channels", 1]


def test_it_accepts_a_good_catalog() -> None:
    catalog = check_data(Path("test.yaml"), GOOD)
    exchange = catalog.exchange("mexc")
    assert exchange is not None
    assert [c.id for c in exchange.channels] == ["live_chat", "email"]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ([*CHANNEL, "url"], "http://www.mexc.com/support", "mexc / live_chat / url: "),
        ([*CHANNEL, "url"], "https://mexc.com.evil.io/", "not an official domain of mexc"),
        ([*CHANNEL, "url"], "https://www.mexc-crypto.com/", "never_link"),
        ([*CHANNEL, "url"], "https://user:pw@www.mexc.com/", "carries user info"),
        # Browsers read the host of these as evil.io; `urlsplit` would say "...mexc.com".
        ([*CHANNEL, "url"], "https://evil.io\\www.mexc.com/support", "backslash"),
        ([*CHANNEL, "url"], "https://www.mexc.com@evil.io/support", "carries user info"),
        ([*CHANNEL, "url"], "https://www.mexc.com\\@evil.io/", "backslash"),
        ([*CHANNEL, "url"], "https://www.mexc.com/\nsupport", "control characters"),
        ([*CHANNEL, "url"], "https://www.mexc.com /support", "control characters"),
        ([*CHANNEL, "url"], "https://m\u0435xc.com/support", "host xn--mxc-rdd.com is not"),
        ([*CHANNEL, "url"], "https://mexc.com%2eevil.io/", "percent-encoded"),
        ([*CHANNEL, "url"], "https://0x7f.1/support", "unusual spelling"),
        ([*CHANNEL, "url"], "https://mexc.com:99999/", "out of range"),
        ([*CHANNEL, "url"], "https://www.mexc.com.security-check.io/", "not an official domain"),
        (["exchanges", 0, "official_domains"], ["com"], "com is a public suffix"),
        (["exchanges", 0, "official_domains"], ["co.uk"], "co.uk is a public suffix"),
        (["exchanges", 0, "official_domains"], ["github.io"], "github.io is a public suffix"),
        (["exchanges", 0, "official_domains"], ["MEXC.com"], "write 'MEXC.com' as 'mexc.com'"),
        (["exchanges", 0, "official_domains"], ["47.74.183.27"], "is an IP address"),
        (["exchanges", 0, "official_domains"], ["mexc.github.io"], "rented under github.io"),
        (["exchanges", 0, "official_domains"], ["mexc.co.com"], "rented under co.com"),
        (["exchanges", 0, "official_domains"], ["xn--mxc-rdd.com"], "mixes Latin letters"),
        ([*EMAIL, "address"], "support@gmail.com", "mexc / email / address"),
        ([*CHANNEL, "probe", "url"], "https://evil.example/", "mexc / live_chat / probe"),
        ([*EMAIL, "probe", "name"], "evil.example", "host evil.example is not an official"),
        (["exchanges", 0, "routes", "withdrawal_stuck", "channels"], ["phone"], "lacks"),
        (["exchanges", 0, "official_domains"], ["mexc-crypto.com"], "is on never_link"),
    ],
)
def test_it_refuses_a_link_that_is_not_official(
    path: list[str | int], value: Any, expected: str
) -> None:
    found = problems_of(broken(path, value))
    assert any(expected in p for p in found), found


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ([*CHANNEL, "id"], "Live Chat!", "mexc / Live Chat! / id"),
        (["exchanges", 0, "id"], "MEXC", "MEXC / id"),
        ([*CHANNEL, "hours"], {"tz": "Mars/Olympus", "weekly": ["mon 09:00-18:00"]}, "time zone"),
        ([*CHANNEL, "hours"], {"tz": "UTC", "weekly": ["monday 9-18"]}, "not like"),
        ([*CHANNEL, "hours"], {"tz": "UTC", "weekly": ["mon 25:00-26:00"]}, "time of day"),
        ([*CHANNEL, "hours"], "sometimes", "hours"),
        ([*CHANNEL, "kind"], "carrier_pigeon", "mexc / live_chat / kind"),
        (["exchanges", 0, "routes", "panic"], {"channels": []}, "routes"),
    ],
)
def test_it_refuses_a_malformed_entry_naming_its_place(
    path: list[str | int], value: Any, expected: str
) -> None:
    found = problems_of(broken(path, value))
    assert any(expected in p for p in found), found


def test_a_bare_public_suffix_never_makes_a_look_alike_official() -> None:
    """`official_domains: [com]` once let https://evil-mexc.com/ through."""
    data = broken(["exchanges", 0, "official_domains"], ["com"])
    data["exchanges"][0]["channels"][0]["url"] = "https://evil-mexc.com/"
    data["exchanges"][0]["channels"][0]["probe"]["url"] = "https://evil-mexc.com/"
    found = problems_of(data)
    assert "mexc / official_domains: com is a public suffix" in " ".join(found)


@pytest.mark.parametrize("refused", ["com", "MEXC.COM"])
def test_a_refused_official_domain_is_one_problem_not_one_per_exchange(refused: str) -> None:
    """A refused domain is no yardstick: `com` once made binance.com 'look like MEXC'."""
    data = yaml.safe_load(SHIPPED_CATALOG.read_text(encoding="utf-8"))
    [mexc] = [e for e in data["exchanges"] if e["id"] == "mexc"]
    mexc["official_domains"] = [refused]
    domain_problems = [p for p in problems_of(data) if "/ official_domains:" in p]
    assert len(domain_problems) == 1, domain_problems
    assert domain_problems[0].startswith("mexc / official_domains: ")


@pytest.mark.parametrize(
    ("source", "refused"),
    [
        ("https://www.mexc.com/support/articles/4410387084057", False),
        ("https://mexc.com/zh-TW/support/articles/360002325071", False),
        ("https://www.mexc.kr/en-IN/support/articles/360020368251", True),  # a copy
        ("https://evil.io\\www.mexc.com/", True),
        ("http://www.mexc.com/support", True),
        ("2023 copy of the site footer", True),
        (None, True),
    ],
)
def test_a_high_fact_must_cite_the_exchange_own_domain(source: str | None, refused: bool) -> None:
    data = copy.deepcopy(GOOD)
    data["exchanges"][0]["channels"][0].update(confidence="high", source=source)
    route = data["exchanges"][0]["routes"]["withdrawal_stuck"]
    route.update(confidence="high", source=source)
    if not refused:
        check_data(Path("test.yaml"), data)
        return
    found = problems_of(data)
    assert any(p.startswith("mexc / live_chat / source: confidence high") for p in found), found
    assert any(p.startswith("mexc / routes / withdrawal_stuck / source:") for p in found), found
    data["exchanges"][0]["channels"][0]["confidence"] = "medium"
    route["confidence"] = "medium"
    check_data(Path("test.yaml"), data)


def test_it_refuses_duplicate_ids() -> None:
    data = copy.deepcopy(GOOD)
    data["exchanges"][0]["channels"].append(copy.deepcopy(data["exchanges"][0]["channels"][0]))
    data["exchanges"].append(copy.deepcopy(data["exchanges"][0]))
    found = problems_of(data)
    assert "mexc: exchange id is used more than once" in found
    assert "mexc / live_chat: channel id is used more than once" in found


def status_page_channel(channel_id: str, url: str, **probe: Any) -> dict[str, Any]:
    return {
        "id": channel_id,
        "kind": "status_page",
        "mode": "broadcast",
        "name": "Status",
        "url": url,
        "probe": {"kind": "statuspage", "url": url, **probe},
    }


def test_an_exchange_reads_one_status_page_however_many_channels_read_it() -> None:
    # The bot keeps one status page reading per exchange (its incidents, its alerts): two
    # pages took turns, and each read announced the other page's incidents as resolved and
    # its own as opened again, to every subscriber, at every read.
    data = copy.deepcopy(GOOD)
    channels = data["exchanges"][0]["channels"]
    channels.append(status_page_channel("status", "https://status.mexc.com"))
    channels.append(status_page_channel("wallets", "https://wallets.mexc.com/"))
    assert problems_of(data) == [
        "mexc / wallets / probe: reads the status page https://wallets.mexc.com/, but "
        "mexc / status reads https://status.mexc.com: an exchange has one status page"
    ]
    data["exchanges"][0]["status_page"] = "https://status.mexc.com"
    channels[-1] = status_page_channel("wallets", "https://status.mexc.com/", components=["A"])
    check_data(Path("test.yaml"), data)  # the same page, for other components: fine
    data["exchanges"][0]["status_page"] = "https://other.mexc.com"
    assert problems_of(data) == [
        "mexc / status_page: https://other.mexc.com is not the status page its channels read "
        "(mexc / status: https://status.mexc.com): an exchange has one status page"
    ]


def test_it_lists_every_problem_not_just_the_first() -> None:
    data = broken([*CHANNEL, "url"], "http://www.mexc.com/")
    data["exchanges"][0]["channels"][1]["address"] = "help@evil.example"
    assert len(problems_of(data)) == 2


def test_it_allows_loopback_targets_only_when_asked() -> None:
    data = broken([*CHANNEL, "probe", "url"], "http://127.0.0.1:8081/support")
    assert problems_of(data)
    catalog = check_data(Path("test.yaml"), data, allow_local=True)
    assert catalog.exchanges[0].channels[0].probe is not None


def test_it_accepts_broadcast_accounts_on_their_platform() -> None:
    data = copy.deepcopy(GOOD)
    x_account = {"id": "x", "kind": "x", "mode": "broadcast", "name": "X"}
    data["exchanges"][0]["channels"].append({**x_account, "url": "https://x.com/MEXC_Official"})
    check_data(Path("test.yaml"), data)
    data["exchanges"][0]["channels"][0]["url"] = "https://x.com/MEXC_Official"
    assert any("x.com is not an official domain" in p for p in problems_of(data))


def test_it_names_a_yaml_syntax_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text("exchanges:\n  - id: mexc\n    name: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert str(caught.value.problems[0]).startswith("line ")


@pytest.mark.parametrize("text", ["", "\n# only a comment\n", "---\n"])
def test_an_empty_catalog_file_is_said_to_be_empty(tmp_path: Path, text: str) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert [str(p) for p in caught.value.problems] == [
        "file: is empty (it needs a list of exchanges)"
    ]


def test_it_loads_the_shipped_catalog() -> None:
    catalog = load_catalog(SHIPPED_CATALOG)
    assert catalog.exchange("mexc") is not None


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=60, env=env
    )


def test_catalog_check_prints_each_problem_and_exits_1(tmp_path: Path) -> None:
    data = broken([*CHANNEL, "url"], "https://mexc.evil.io/")
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    done = run_cli("catalog", "check", str(path))
    assert done.returncode == 1
    assert "mexc / live_chat / url: host mexc.evil.io is not an official domain" in done.stderr
    assert "Traceback" not in done.stderr


def test_catalog_check_accepts_the_shipped_catalog() -> None:
    done = run_cli("catalog", "check", str(SHIPPED_CATALOG))
    assert done.returncode == 0, done.stderr
    assert "OK — 8 exchanges" in done.stdout


WINDOW: dict[str, Any] = {
    "channel": "live_chat",
    "starts_at": datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
    "ends_at": datetime(2026, 12, 1, 4, 0, tzinfo=UTC),
    "reason": {"en": "Support system upgrade", "zh": "客服系统升级"},
}


def with_maintenance(*windows: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    data["exchanges"][0]["maintenance"] = [dict(w) for w in windows]
    return data


def test_it_accepts_maintenance_windows_of_a_channel_or_the_whole_exchange() -> None:
    whole = {k: v for k, v in WINDOW.items() if k != "channel"}
    catalog = check_data(Path("test.yaml"), with_maintenance(WINDOW, whole))
    first, second = catalog.exchanges[0].maintenance
    assert (first.channel, first.starts_at, first.ends_at) == (
        "live_chat", WINDOW["starts_at"], WINDOW["ends_at"]
    )  # fmt: skip
    assert first.reason is not None and first.reason.get(Locale.ZH) == "客服系统升级"
    assert second.channel is None


def write_with_window(tmp_path: Path, starts_at: str, ends_at: str) -> Path:
    """The good catalog with one window whose times are typed into the YAML as given."""
    data = with_maintenance({"channel": "live_chat", "starts_at": "START", "ends_at": "END"})
    text = yaml.safe_dump(data, allow_unicode=True)
    path = tmp_path / "catalog.yaml"
    path.write_text(text.replace("START", starts_at).replace("END", ends_at), encoding="utf-8")
    return path


def test_it_reads_maintenance_times_as_typed_in_yaml(tmp_path: Path) -> None:
    path = write_with_window(tmp_path, "2026-12-01T02:00:00Z", "2026-12-01T12:00:00+08:00")
    (window,) = load_catalog(path).exchanges[0].maintenance
    assert window.starts_at == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert window.ends_at - window.starts_at == timedelta(hours=2)
    path = write_with_window(tmp_path, "2026-12-01 02:00:00", "2026-12-01T04:00:00Z")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert [str(p) for p in caught.value.problems] == [
        "mexc / maintenance / #1 / starts_at: 2026-12-01T02:00:00 has no time zone; "
        "write it like 2026-12-01T02:00:00Z"
    ]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (
            "starts_at",
            datetime(2026, 12, 1, 2, 0),
            "mexc / maintenance / #1 / starts_at: 2026-12-01T02:00:00 has no time zone; "
            "write it like 2026-12-01T02:00:00Z",
        ),
        (
            "ends_at",
            datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
            "mexc / maintenance / #1 / ends_at: ends_at must be after starts_at",
        ),
        (
            "ends_at",
            datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
            "mexc / maintenance / #1 / ends_at: ends_at must be after starts_at",
        ),
        (
            "channel",
            "phone",
            "mexc / maintenance / #1 / channel: names channel 'phone', which mexc lacks",
        ),
        ("starts_at", "soon", "mexc / maintenance / #1 / starts_at: must be a date and time like"),
    ],
)
def test_it_refuses_a_broken_maintenance_window_naming_its_place(
    field: str, value: Any, expected: str
) -> None:
    found = problems_of(with_maintenance({**WINDOW, field: value}))
    assert any(p.startswith(expected) for p in found), found


def test_no_official_domain_may_imitate_another_exchange() -> None:
    data = copy.deepcopy(GOOD)
    other = copy.deepcopy(data["exchanges"][0])
    other.update(id="evil", name="Evil", never_link=[], official_domains=["mexc-support.com"])
    other["channels"] = [
        {**other["channels"][0], "url": "https://mexc-support.com/", "probe": None},
    ]
    other["routes"] = {}
    data["exchanges"].append(other)
    found = problems_of(data)
    assert (
        "evil / official_domains: mexc-support.com looks like MEXC (brand_in_domain); "
        "an exchange's domain may not imitate another exchange"
    ) in found


def _with_other_exchange(never_link: list[str]) -> dict[str, Any]:
    """GOOD plus a second exchange, Okay (okx.com), with the given never_link list."""
    data = copy.deepcopy(GOOD)
    other = copy.deepcopy(data["exchanges"][0])
    other.update(id="okx", name="Okay", never_link=never_link, official_domains=["okx.com"])
    other["channels"] = [
        {**other["channels"][0], "url": "https://www.okx.com/help", "probe": None},
    ]
    other["routes"] = {}
    data["exchanges"].append(other)
    return data


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        # /verify reads never_link first: these made mexc.com "a known fake Okay site".
        ("mexc.com", "okx / never_link: mexc.com covers mexc.com, an official domain of MEXC"),
        ("com", "okx / never_link: com is a public suffix"),
        # Entries that match no host at all: silently useless.
        ("https://evil.io/x", "okx / never_link: 'https://evil.io/x' is not a domain name"),
        ("OKX-Support.com", "okx / never_link: write 'OKX-Support.com' as 'okx-support.com'"),
    ],
)
def test_a_never_link_entry_is_a_domain_that_covers_no_official_one(
    entry: str, expected: str
) -> None:
    found = problems_of(_with_other_exchange(["okx-crypto.com", entry]))
    assert any(p.startswith(expected) for p in found), found


def test_a_known_fake_under_an_exchange_own_domain_stays_allowed() -> None:
    # A hijacked or retired subdomain may be listed as fake; it covers no official domain.
    check_data(Path("test.yaml"), _with_other_exchange(["okx-crypto.com", "old.mexc.com"]))


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        (
            [*CHANNEL, "where"],
            "In the MEXC app or at https://mexc-help.com/chat",
            "https://mexc-help.com/chat",
        ),
        (
            [*CHANNEL, "where"],
            {"en": "On mexc.com", "zh": "登录www.mexc-help.com网页"},
            "www.mexc-help.com",
        ),
        ([*EMAIL, "note"], "Backup desk: @mexc_helpdesk", "@mexc_helpdesk"),
        ([*CHANNEL, "name"], "Chat (mexc-crypto.com)", "mexc-crypto.com"),  # a known fake too
        (
            ["exchanges", 0, "routes", "withdrawal_stuck", "steps"],
            ["Ask at t.me/mexc_help"],
            "t.me/mexc_help",
        ),
        ([*EMAIL, "note"], "Backup desk: write to @mexc_helpdesk.", "@mexc_helpdesk"),
        ([*CHANNEL, "where"], "Or at mexc-help．com/chat", "mexc-help．com/chat"),  # a wide dot
        ([*CHANNEL, "where"], "Or at mexc-帮助.com/chat", "mexc-帮助.com/chat"),  # an IDN host
        ([*EMAIL, "expected_reply"], "1–3 days; faster at mexc-help.com", "mexc-help.com"),
        ([*EMAIL, "note"], "Or write to help@mexc-support.com", "help@mexc-support.com"),
        (["exchanges", 0, "phone_support"], "No phone; call via mexc-help.com", "mexc-help.com"),
        ([*EMAIL, "note"], "…or support:@mexc_helpdesk.", "@mexc_helpdesk"),
        ([*EMAIL, "note"], "备用客服:@mexc_helpdesk", "@mexc_helpdesk"),
        ([*CHANNEL, "where"], "Or at `mexc-help.com`", "mexc-help.com"),
        ([*CHANNEL, "where"], "Or at mexc-help.com's desk", "mexc-help.com"),
        ([*EMAIL, "note"], "Or mailto:help@mexc-help.com", "help@mexc-help.com"),
    ],
)
def test_it_refuses_free_text_naming_an_unofficial_host_or_account(
    path: list[str | int], value: Any, named: str
) -> None:
    problems = problems_of(broken(path, value))
    assert len(problems) == 1, problems
    assert (
        f"its text names {named}, which is not an official domain or account of mexc"
        in (problems[0])
    )


def test_free_text_may_name_official_hosts_addresses_and_words_with_dots() -> None:
    data = broken(
        [*CHANNEL, "where"],
        {
            "en": "On www.mexc.com/support or in the app (v2.0, e.g. after login); "
            "replies from @mexc.com addresses, such as service@mexc.com",
            "zh": "登录 www.mexc.com网页端，联系在线客服。App 内也可以。",
        },
    )
    assert check_data(Path("test.yaml"), data).exchange("mexc") is not None


def test_a_maintenance_reason_naming_an_unofficial_host_is_refused() -> None:
    window = {**WINDOW, "reason": "Moved to mexc-help.com for now"}
    problems = problems_of(with_maintenance(window))
    assert problems == [
        "mexc / maintenance / #1: its text names mexc-help.com, which is not an official domain "
        "or account of mexc: 'Moved to mexc-help.com for now'"
    ]
