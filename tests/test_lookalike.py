"""Look-alike detection and /verify over the shipped catalog: every exchange, both languages.

The table is what a trader at 3 a.m. might paste; each row says what the bot must answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from bot.catalog import Catalog, load_catalog
from bot.lookalike import (
    WHOLE_WORD_BRANDS,
    Reason,
    Subject,
    Verdict,
    check,
    defang,
    is_checkable,
)
from bot.pasted import MAX_CHECKED, check_message, has_something_to_check, riskiest
from bot.render.verify import verify_reply
from bot.render.words import Words, echo
from bot.settings import SHIPPED_CATALOG
from bot.vocab import Locale
from probes.domains import registrable_domain, within

CATALOG: Catalog = load_catalog(SHIPPED_CATALOG)
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)

LOOK, OFF, UNK = Verdict.LOOKALIKE, Verdict.OFFICIAL, Verdict.UNKNOWN

# (what is pasted, verdict, exchange id or None, reason)
TABLE = [
    # Official sites, subdomains, e-mails and accounts of all eight exchanges.
    ("https://www.mexc.com/support", OFF, "mexc", Reason.OFFICIAL_DOMAIN),
    ("www。mexc。com", OFF, "mexc", Reason.OFFICIAL_DOMAIN),
    ("MEXC.COM", OFF, "mexc", Reason.OFFICIAL_DOMAIN),
    ("service@mexc.com", OFF, "mexc", Reason.OFFICIAL_ADDRESS),
    ("@MEXC_Official", OFF, "mexc", Reason.OFFICIAL_ACCOUNT),
    ("https://x.com/mexc_official", OFF, "mexc", Reason.OFFICIAL_ACCOUNT),
    ("https://www.binance.com/en/support", OFF, "binance", Reason.OFFICIAL_DOMAIN),
    ("support.binance.us", OFF, "binance", Reason.OFFICIAL_DOMAIN),
    ("https://twitter.com/binance", OFF, "binance", Reason.OFFICIAL_ACCOUNT),
    ("https://www.okx.com/help", OFF, "okx", Reason.OFFICIAL_DOMAIN),
    ("https://www.bybit.com/en/help-center", OFF, "bybit", Reason.OFFICIAL_DOMAIN),
    ("https://support.kraken.com/hc/en-us", OFF, "kraken", Reason.OFFICIAL_DOMAIN),
    ("status.kraken.com", OFF, "kraken", Reason.OFFICIAL_DOMAIN),
    ("security@coinbase.com", OFF, "coinbase", Reason.OFFICIAL_ADDRESS),
    ("https://help.coinbase.com/en", OFF, "coinbase", Reason.OFFICIAL_DOMAIN),
    ("kucoingrievance@kucoin.com", OFF, "kucoin", Reason.OFFICIAL_ADDRESS),
    ("@kucoincom", OFF, "kucoin", Reason.OFFICIAL_ACCOUNT),
    (
        "https://www.gate.com/help/guide/faq/23119/submit-a-request",
        OFF,
        "gate",
        Reason.OFFICIAL_DOMAIN,
    ),
    ("https://www.gate.io/article/22533", OFF, "gate", Reason.OFFICIAL_DOMAIN),
    # A brand in a domain that is not official.
    ("mexc-support.com", LOOK, "mexc", Reason.BRAND_IN_DOMAIN),
    ("binance-verify.net", LOOK, "binance", Reason.BRAND_IN_DOMAIN),
    ("okx-support.net", LOOK, "okx", Reason.BRAND_IN_DOMAIN),
    ("bybit-refund.org", LOOK, "bybit", Reason.BRAND_IN_DOMAIN),
    ("https://kraken-support.help/", LOOK, "kraken", Reason.BRAND_IN_DOMAIN),
    ("coinbase.support-desk.com", LOOK, "coinbase", Reason.BRAND_IN_DOMAIN),
    ("kucoin-unfreeze.com", LOOK, "kucoin", Reason.BRAND_IN_DOMAIN),
    ("gate-io-help.com", LOOK, "gate", Reason.BRAND_IN_DOMAIN),
    ("抹茶-support.com", LOOK, "mexc", Reason.PUNYCODE),
    ("币安客服.com", LOOK, "binance", Reason.PUNYCODE),
    # Known fakes from the catalog's never_link lists.
    ("tn-binance.com", LOOK, "binance", Reason.KNOWN_FAKE),
    ("https://wap.xnb-binance.com.cn/x", LOOK, "binance", Reason.KNOWN_FAKE),
    ("mexc-crypto.com", LOOK, "mexc", Reason.KNOWN_FAKE),
    ("okxwebsite.com", LOOK, "okx", Reason.KNOWN_FAKE),
    ("help-gate-io.pages.dev", LOOK, "gate", Reason.KNOWN_FAKE),
    ("http://47.74.183.27/okx/help", LOOK, "okx", Reason.KNOWN_FAKE),
    # The same address typed bare, or with a port: a host, not a phone number.
    ("47.74.183.27", LOOK, "okx", Reason.KNOWN_FAKE),
    ("47.74.183.27:8443", LOOK, "okx", Reason.KNOWN_FAKE),
    # An official domain used as a subdomain of another.
    ("https://mexc.com.security-check.io/login", LOOK, "mexc", Reason.OFFICIAL_AS_SUBDOMAIN),
    ("www.okx.com.verify-account.net", LOOK, "okx", Reason.OFFICIAL_AS_SUBDOMAIN),
    # Mixed scripts, homoglyphs and punycode.
    ("m\u0435xc.com", LOOK, "mexc", Reason.MIXED_SCRIPT),
    ("xn--mxc-rdd.com", LOOK, "mexc", Reason.MIXED_SCRIPT),
    ("\u043c\u0435\u0445\u0441.com", LOOK, "mexc", Reason.HOMOGLYPH),
    ("c0inbase.com", LOOK, "coinbase", Reason.HOMOGLYPH),
    ("rnexc.com", LOOK, "mexc", Reason.HOMOGLYPH),
    ("kucoín.com", LOOK, "kucoin", Reason.PUNYCODE),
    # Free hosting and odd suffixes.
    ("gate-io-help.pages.dev", LOOK, "gate", Reason.FREE_HOSTING),
    ("coinbase-help.github.io", LOOK, "coinbase", Reason.FREE_HOSTING),
    ("bybit-support.vercel.app", LOOK, "bybit", Reason.FREE_HOSTING),
    ("okx-desk.netlify.app", LOOK, "okx", Reason.FREE_HOSTING),
    ("binance-help.web.app", LOOK, "binance", Reason.FREE_HOSTING),
    ("krakenlogin.co.com", LOOK, "kraken", Reason.KNOWN_FAKE),
    ("krakenhelp.co.com", LOOK, "kraken", Reason.ODD_SUFFIX),
    # Raw IPs, user info, backslashes.
    ("http://198.51.100.7/okx/help", LOOK, "okx", Reason.RAW_IP),
    ("http://203.0.113.9/", UNK, None, Reason.RAW_IP),
    ("https://0x7f.1/mexc", LOOK, "mexc", Reason.RAW_IP),
    ("https://www.mexc.com@evil.io/support", LOOK, "mexc", Reason.USERINFO),
    ("https://evil.io\\www.mexc.com/support", LOOK, "mexc", Reason.BACKSLASH),
    # Typed without a scheme it is no e-mail (no address has an unquoted backslash): evil.com.
    ("evil.com\\@mexc.com", LOOK, "mexc", Reason.BACKSLASH),
    # Not web links, whatever host they name: a script, an app's intent, inline data.
    ("javascript://www.mexc.com/%0Aalert(document.cookie)", LOOK, "mexc", Reason.NOT_WEB),
    ("intent://www.mexc.com/#Intent;scheme=https;package=evil;end", LOOK, "mexc", Reason.NOT_WEB),
    ("data://www.mexc.com/x", LOOK, "mexc", Reason.NOT_WEB),
    ("javascript://example.org/%0Aalert(1)", UNK, None, Reason.NOT_WEB),
    # ...also when an '@' or a backslash would have led the reading to the official host.
    ("javascript://x@www.mexc.com/%0aalert(document.cookie)", LOOK, "mexc", Reason.NOT_WEB),
    ("intent://www.mexc.com\\#Intent;scheme=evil;end", LOOK, "mexc", Reason.NOT_WEB),
    # A browser opens evil.com for each: '#', '?' and ':' are no part of a support address.
    ("evil.com#@mexc.com", LOOK, "mexc", Reason.BRAND_IN_LINK),
    ("evil.com?@mexc.com", LOOK, "mexc", Reason.BRAND_IN_LINK),
    # The same tricks when the browser does land on the official site: that site it is.
    ("https://evil.io@www.mexc.com/", OFF, "mexc", Reason.OFFICIAL_DOMAIN),
    ("https://www.binance.com/en/support\\faq", OFF, "binance", Reason.OFFICIAL_DOMAIN),
    # E-mails and accounts that name an exchange but are not official.
    ("binance-support@gmail.com", LOOK, "binance", Reason.BRAND_IN_ADDRESS),
    ("help@kraken-desk.com", LOOK, "kraken", Reason.BRAND_IN_DOMAIN),
    ("@Binance_Support", LOOK, "binance", Reason.BRAND_IN_ACCOUNT),
    ("t.me/MEXCEnglish", LOOK, "mexc", Reason.BRAND_IN_ACCOUNT),
    ("https://t.me/Gateio_Copy_Trading", LOOK, "gate", Reason.BRAND_IN_ACCOUNT),
    ("https://t.me/s/MEXCEnglish", LOOK, "mexc", Reason.BRAND_IN_ACCOUNT),  # a channel's preview
    ("https://evil.io/coinbase/login", LOOK, "coinbase", Reason.BRAND_IN_LINK),
    # Every character browsers read as a dot (small full stop, one dot leader, vertical 。).
    ("mexc-support\ufe52com", LOOK, "mexc", Reason.BRAND_IN_DOMAIN),
    ("https://mexc-support\u2024com/login", LOOK, "mexc", Reason.BRAND_IN_DOMAIN),
    ("www\ufe12mexc\ufe12com", OFF, "mexc", Reason.OFFICIAL_DOMAIN),
    # A sender copied from a mail app: the address decides, not the name shown before it.
    ("MEXC Support <support@mexc-help.com>", LOOK, "mexc", Reason.BRAND_IN_DOMAIN),
    ('"MEXC" <service@mexc.com>', OFF, "mexc", Reason.OFFICIAL_ADDRESS),
    # Defanged text pasted back.
    ("hxxps://mexc-support[.]com", LOOK, "mexc", Reason.BRAND_IN_DOMAIN),
    # Unrelated sites and text.
    ("google.com", UNK, None, Reason.NO_EXCHANGE),
    ("navigate.com", UNK, None, Reason.NO_EXCHANGE),
    ("https://gateway.example.org/", UNK, None, Reason.NO_EXCHANGE),
    ("friend@example.org", UNK, None, Reason.NO_EXCHANGE),
    ("@somebody", UNK, None, Reason.NO_EXCHANGE),
    ("+1 415 555 0100", UNK, None, Reason.PHONE_UNLISTED),
    ("hello there", UNK, None, Reason.NOT_A_LINK),
    ("v2.0", UNK, None, Reason.NOT_A_LINK),  # ends in a number, yet no IP: no browser opens it
]


@pytest.mark.parametrize(("typed", "verdict", "exchange", "reason"), TABLE)
def test_it_judges_what_traders_paste(
    typed: str, verdict: Verdict, exchange: str | None, reason: Reason
) -> None:
    found = check(typed, CATALOG)
    assert (found.verdict, found.exchange.id if found.exchange else None, found.reason) == (
        verdict,
        exchange,
        reason,
    )


def test_the_table_covers_every_exchange_both_ways() -> None:
    covered = {(row[2], row[1]) for row in TABLE}
    for exchange in CATALOG.exchanges:
        assert (exchange.id, OFF) in covered, exchange.id
        assert (exchange.id, LOOK) in covered, exchange.id
    assert len(TABLE) >= 40


@pytest.mark.parametrize("locale", list(Locale))
@pytest.mark.parametrize(("typed", "verdict", "exchange", "reason"), TABLE)
def test_the_answer_leads_with_the_verdict_and_never_links_the_typed_text(
    typed: str, verdict: Verdict, exchange: str | None, reason: Reason, locale: Locale
) -> None:
    found = check(typed, CATALOG)
    reply = verify_reply(found, CATALOG, Words.of(locale, NOW))
    mark = {OFF: "✅", LOOK: "❌", UNK: "❓"}[verdict]
    if reason is Reason.PHONE_UNLISTED:
        mark = "📞"
    elif (verdict, reason) == (UNK, Reason.NOT_A_LINK):
        mark = "🔍"  # nothing to judge: what /verify reads
    assert reply.title.startswith(mark)
    if found.exchange is not None and reason is not Reason.PHONE_UNLISTED:
        assert found.exchange.name in reply.title
        assert ", ".join(found.exchange.official_domains) in "\n".join(reply.plain_lines())
    links = [s.url for line in (*reply.lines, *reply.footer) for s in line if s.url]
    assert all(_catalog_link(url) for url in links), links
    if verdict is not OFF and found.host:
        # The host a browser would open appears only defanged.
        assert found.host not in "\n".join(reply.plain_lines()).replace("\u2060", "")


def _catalog_link(url: str) -> bool:
    return any(url == c.url for _, c in CATALOG.channels())


def test_verify_mexc_support_com_in_both_languages_names_mexc_com() -> None:
    found = check("mexc-support.com", CATALOG)
    en = verify_reply(found, CATALOG, Words.of(Locale.EN, NOW)).plain_lines()
    zh = verify_reply(found, CATALOG, Words.of(Locale.ZH, NOW)).plain_lines()
    assert en[:4] == [
        "❌ Not MEXC",
        "mexc-support[.]com is not MEXC's website.",
        "MEXC's only website is mexc.com.",
        "Never enter your password or 2FA code anywhere else.",
    ]
    assert en[4] == (
        "Check with MEXC's own tool, “MEXC Verify”: https://www.mexc.com/official-verify"
    )
    assert zh[:4] == [
        "❌ 这不是 MEXC 官方",
        "mexc-support[.]com 不是 MEXC 官方网站。",
        "MEXC 唯一官网是 mexc.com。",
        "切勿在其他网站输入密码或验证码。",
    ]


@pytest.mark.parametrize("typed", ["1.800.555.0199", "415.555.0199", "+1 415 555 0199"])
def test_a_number_written_with_dots_is_still_a_phone_number(typed: str) -> None:
    assert check(typed, CATALOG).subject is Subject.PHONE


def test_a_phone_number_gets_what_the_exchange_publishes_about_phones() -> None:
    found = check("+1 888 000 0000", CATALOG)
    kraken = CATALOG.exchange("kraken")
    assert kraken is not None
    lines = verify_reply(found, CATALOG, Words.of(Locale.EN, NOW), kraken).plain_lines()
    assert lines[0] == "📞 We can't vouch for phone numbers"
    assert lines[2].startswith("• Kraken: ")
    assert "support.kraken.com" in lines[2]
    # Not "anywhere else": a phone call is no website.
    assert lines[-1] == (
        "Never give your password or 2FA code over the phone: support never asks for them."
    )
    chinese = verify_reply(found, CATALOG, Words.of(Locale.ZH, NOW), kraken).plain_lines()
    assert chinese[-1] == "切勿在电话中透露密码或验证码：客服绝不会索要。"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mexc-support.com", "mexc-support[.]com"),
        ("https://a.b/c", "hxxps[:]//a[.]b/c"),
        ("x@y.com", "x[@]y[.]com"),
        ("mexc。com", "mexc[.]com"),
        ("mexc．com", "mexc[.]com"),
        ("mexc｡com", "mexc[.]com"),
        ("mexc﹒com", "mexc[.]com"),
        ("mexc․com", "mexc[.]com"),
        ("mexc︒com", "mexc[.]com"),
    ],
)
def test_defang_leaves_nothing_clickable(text: str, expected: str) -> None:
    assert defang(text) == expected


@pytest.mark.parametrize(
    ("text", "checkable"),
    [
        ("mexc-support.com", True),
        ("https://x.y/z", True),
        ("a@b.io", True),
        ("@handle", True),
        ("status mexc", False),
        ("/status", False),
        ("mexc", False),
        ("", False),
        # Numbers and abbreviations are no sites: a site's name ends in letters.
        ("1.5", False),
        ("v2.0", False),
        ("e.g.", False),
        ("mexc-support.com/login", True),
        ("http://203.0.113.9/", True),
    ],
)
def test_only_a_pasted_link_is_checked_without_a_command(text: str, checkable: bool) -> None:
    assert is_checkable(text) is checkable


@pytest.mark.parametrize(
    ("message", "checked"),
    [
        # A scam message pasted whole: the link in it is checked, not the first word.
        (
            "MEXC support: claim your refund at https://mexc-support.com/refund",
            "https://mexc-support.com/refund",
        ),
        ("is (mexc-support.com) legit?", "mexc-support.com"),
        ("“https://www.mexc.com/support”", "https://www.mexc.com/support"),
        # The riskiest first: an official link beside a fake one never makes it read as fine.
        (
            "Official https://www.mexc.com, or faster: https://mexc-crypto.com.",
            "https://mexc-crypto.com",
        ),
        ("write service@mexc.com or @mexc_help_desk", "@mexc_help_desk"),
        ("both fine: mexc.com and https://www.mexc.com/support", "mexc.com"),
        ("[support](https://mexc-support.com)", "https://mexc-support.com"),
        # A phone number pasted alone (the "Check a link" prompt asks for one too).
        ("+1 (415) 555-0100", "+1 (415) 555-0100"),
        ("1-888-555-0100", "1-888-555-0100"),
        ("2026-11-29", None),
        # A link to a bare IP address, without http://, is read too (scam sites use them).
        ("locked? log in at 47.74.183.27/login now", "47.74.183.27/login"),
        # One alone in a sentence is read only beside other links (`has_something_to_check`).
        ("version 1.2.3.4 is out", "1.2.3.4"),
        ("Official https://www.okx.com, log in at 47.74.183.27 now", "47.74.183.27"),
        # Chinese writes no spaces around a link: it ends where the Chinese begins.
        ("客服说去https://mexc-crypto.com领取补偿", "https://mexc-crypto.com"),
        ("快去 https://www.mexc.com/support，看看", "https://www.mexc.com/support"),
        ("请访问mexc-crypto.com领取。", "mexc-crypto.com"),
        ("官网是mexc.com。", "mexc.com"),
        # Letters that only look Latin stay one word (a homoglyph host is checked whole).
        ("visit m\u0435xc.com now", "m\u0435xc.com"),
        ("hello, v2.0 is out, e.g. 1.5", None),
        # Cut at the Chinese, the link reads official; a browser reads on to the host after '@'.
        ("https://www.mexc.com中文@evil.com/login", "https://www.mexc.com中文@evil.com/login"),
        ("https://www.mexc.com，@evil.com/login", "https://www.mexc.com，@evil.com/login"),
        ("提币没到账", None),
    ],
)
def test_a_message_is_checked_by_its_riskiest_link(message: str, checked: str | None) -> None:
    assert riskiest(message, CATALOG) == checked


# ---------------------------------------------------------------- properties

LABEL = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
PATH = st.from_regex(r"(/[A-Za-z0-9._~-]{0,12}){0,3}", fullmatch=True)
OFFICIAL = [(e.id, d) for e in CATALOG.exchanges for d in e.official_domains]
BRANDS = [(e.id, w) for e in CATALOG.exchanges for w in (e.id, e.name.lower(), *e.aliases)]
TLDS = ["com", "net", "io", "co", "org", "app", "xyz", "com.cn", "co.uk", "pages.dev", "co.com"]


@examples(max_examples=300, deadline=None)
@given(st.sampled_from(OFFICIAL), st.lists(LABEL, max_size=3), PATH, st.booleans())
def test_no_url_on_an_official_domain_is_flagged(
    official: tuple[str, str], labels: list[str], path: str, scheme: bool
) -> None:
    exchange, domain = official
    host = ".".join([*labels, domain])
    typed = f"https://{host}{path}" if scheme else host + path
    found = check(typed, CATALOG)
    assert found.verdict is Verdict.OFFICIAL
    assert found.exchange is not None and found.exchange.id == exchange


@examples(max_examples=300, deadline=None)
@given(
    st.sampled_from(BRANDS),
    st.sampled_from(["", "-", "."]),
    LABEL,
    st.booleans(),
    st.sampled_from(TLDS),
)
def test_a_brand_plus_any_other_registrable_domain_never_passes(
    brand: tuple[str, str], joint: str, other: str, before: bool, tld: str
) -> None:
    _, word = brand
    word = word.replace(" ", "-").replace(".", "-")
    host = f"{word}{joint}{other}.{tld}" if not before else f"{other}{joint}{word}.{tld}"
    everything = tuple(d for e in CATALOG.exchanges for d in e.official_domains)
    assume(registrable_domain(host.encode("idna").decode()) is not None)
    assume(not within(host.encode("idna").decode(), everything))
    found = check(host, CATALOG)
    assert found.verdict is not Verdict.OFFICIAL
    glued_to_a_word = word in WHOLE_WORD_BRANDS and joint == "" and not other.isdigit()
    if not glued_to_a_word:  # "gateway" is a word, not Gate; "gate-way" names Gate
        assert found.verdict is Verdict.LOOKALIKE
        assert found.exchange is not None


@pytest.mark.parametrize("dot", [".", "。", "．", "｡", "﹒", "․", "︒"])
def test_echoed_text_never_becomes_a_link_whatever_the_dot(dot: str) -> None:
    """Wide dots are dots to a browser, so echoes break them like ASCII ones."""
    shown = echo(f"mexc-support{dot}com")
    assert shown == f"mexc-support{dot}\u2060com"


def test_the_readme_names_every_reason_code() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert all(f"`{reason.value}`" in readme for reason in Reason)


@pytest.mark.parametrize(
    ("typed", "en", "zh"),
    [
        (
            "https://google.com@evil.io",
            "hxxps[:]//google[.]com[@]evil[.]io hides its real address after the “@”: "
            "a browser opens evil[.]io.",
            "hxxps[:]//google[.]com[@]evil[.]io 把真实地址藏在“@”后面："
            "浏览器实际打开的是 evil[.]io。",
        ),
        (
            "https://evil.io\\google.com",
            "hxxps[:]//evil[.]io\\google[.]com hides its real address behind a backslash: "
            "a browser opens evil[.]io.",
            "hxxps[:]//evil[.]io\\google[.]com 用反斜杠隐藏真实地址："
            "浏览器实际打开的是 evil[.]io。",
        ),
        (
            "http://203.0.113.9/login",
            "hxxp[:]//203[.]0[.]113[.]9/login is a bare IP address, not a company's website.",
            "hxxp[:]//203[.]0[.]113[.]9/login 是一个裸 IP 地址，不是正规公司的网站。",
        ),
        (
            "support-desk.github.io",
            "support-desk[.]github[.]io is on a free hosting service, "
            "where anyone can put up a page.",
            "support-desk[.]github[.]io 架设在免费托管平台上，任何人都能在上面建网页。",
        ),
    ],
)
def test_a_warning_sign_on_a_site_that_names_no_exchange_is_said_without_one(
    typed: str, en: str, zh: str
) -> None:
    # Worded for an exchange, these read "a browser opens evil.io, not ." and "not 's website".
    found = check(typed, CATALOG)
    assert (found.verdict, found.exchange) == (UNK, None)
    assert verify_reply(found, CATALOG, Words.of(Locale.EN, NOW)).plain_lines()[1] == en
    assert verify_reply(found, CATALOG, Words.of(Locale.ZH, NOW)).plain_lines()[1] == zh


def test_a_word_that_is_no_link_is_not_called_an_exchange_we_do_not_watch() -> None:
    found = check("mexc", CATALOG)
    en = verify_reply(found, CATALOG, Words.of(Locale.EN, NOW)).plain_lines()
    zh = verify_reply(found, CATALOG, Words.of(Locale.ZH, NOW)).plain_lines()
    assert en[:3] == [
        "🔍 Check a link, e-mail, @account or phone number",
        "“mexc” is not a link, e-mail, @account or phone number.",
        "MEXC's only website is mexc.com.",
    ]
    assert zh[:3] == [
        "🔍 核实链接、邮箱、@账号或电话号码",
        "“mexc”不是链接、邮箱、@账号或电话号码。",
        "MEXC 唯一官网是 mexc.com。",
    ]


@pytest.mark.parametrize(
    ("locale", "title"),
    [
        (Locale.EN, "❌ Not one of Kraken's accounts we know"),
        (Locale.ZH, "❌ 不是我们已知的 Kraken 官方账号"),
    ],
)
def test_an_account_we_do_not_list_is_not_said_to_be_not_the_exchange(
    locale: Locale, title: str
) -> None:
    # Our lists of accounts are short; "❌ Not Kraken" would be false for a real one we lack.
    found = check("@KrakenSupport", CATALOG)
    assert (found.verdict, found.reason) == (LOOK, Reason.BRAND_IN_ACCOUNT)
    assert verify_reply(found, CATALOG, Words.of(locale, NOW)).title == title


@pytest.mark.parametrize(
    ("typed", "locale", "line"),
    [
        (
            "@MEXC_Official",
            Locale.EN,
            "[@]MEXC_Official is MEXC's official account on X — only there: "
            "the same name on another app proves nothing.",
        ),
        (
            "@mexc_official",
            Locale.ZH,
            "[@]mexc_official 是 MEXC 在 X 上的官方账号——仅限 X："
            "其他应用上的同名账号不能证明什么。",
        ),
        (
            "https://twitter.com/binance",
            Locale.EN,
            "hxxps[:]//twitter[.]com/binance is Binance's official account on X — only there: "
            "the same name on another app proves nothing.",
        ),
    ],
)
def test_an_official_account_is_official_only_on_its_own_app(
    typed: str, locale: Locale, line: str
) -> None:
    # Asked on Telegram about "@MEXC_Official", a bare "✅ Official MEXC" would vouch for
    # whoever holds that name on Telegram; the catalog knows it only on X.
    found = check(typed, CATALOG)
    assert (found.verdict, found.reason) == (OFF, Reason.OFFICIAL_ACCOUNT)
    lines = verify_reply(found, CATALOG, Words.of(locale, NOW)).plain_lines()
    assert lines[1].replace("\u2060", "") == line


@pytest.mark.parametrize(
    ("locale", "line"),
    [
        (Locale.EN, "help[@]kraken-desk[.]com is not Kraken's e-mail address."),
        (Locale.ZH, "help[@]kraken-desk[.]com 不是 Kraken 的官方邮箱。"),
    ],
)
def test_an_address_on_a_look_alike_domain_is_called_an_address(locale: Locale, line: str) -> None:
    found = check("help@kraken-desk.com", CATALOG)
    assert (found.verdict, found.reason) == (LOOK, Reason.BRAND_IN_DOMAIN)
    lines = verify_reply(found, CATALOG, Words.of(locale, NOW)).plain_lines()
    assert lines[1].replace("\u2060", "") == line, "not 'is not Kraken's website'"


def test_a_fake_past_the_links_we_read_is_never_outranked_by_an_official_one() -> None:
    """A message is read for MAX_CHECKED links; an official one among them does not vouch for
    the rest, where the fake may be."""
    official = " ".join(f"https://www.mexc.com/notice/{n}" for n in range(MAX_CHECKED))
    finding = check_message(f"{official} https://mexc-refund.com/claim", CATALOG)
    assert (finding.verdict, finding.reason) == (UNK, Reason.TOO_MANY)
    assert check_message(official, CATALOG).verdict is OFF  # nothing left unread: official
    lines = verify_reply(finding, CATALOG, Words.of(Locale.EN, NOW)).plain_lines()
    assert lines[0] == "🔍 Check a link, e-mail, @account or phone number"
    assert "more links than we read at once, so we can't vouch for it" in lines[1]


@pytest.mark.parametrize(
    "message",
    [
        "https://x.com/MEXC_Official/../evil_support",  # the browser resolves the dots
        "https://x.com/MEXC_Official/%2e%2e/evil_support",
        "(https://evil.com)@www.mexc.com",  # a chat app ends the link at ")": evil.com
        "<https://evil.com>@www.mexc.com",
        "[MEXC](https://evil.com)@www.mexc.com",
        "https://evil.com\u200b@www.mexc.com",  # an invisible space ends it too
        "https://evil.com…@www.mexc.com",
        "https://www.mexc.com中文.com",  # the host goes on: another site
        "www.mexc.com中文@evil.com",
        "https://www.mexc.com，@evil.com/login",  # pasted in an address bar: evil.com
        "Official site https://www.mexc.com support:@evil_support",
        "https://www.mexc.com @MEXC_Official,@evil_support",
        "mailto:help@mexc-help.com",
        # A fake IP address beside an official link, however it is written.
        "Official site https://www.okx.com, log in at 47.74.183.27 now",
        "Official site https://www.okx.com, log in at www.okx.com@47.74.183.27/login",
        "Official site https://www.okx.com, log in at ４７．７４．１８３．２７/login",
        "https://www.okx.com (47.74.183.27)",
        "官网https://www.okx.com，登录47.74.183.27领取补偿",
    ],
)
def test_what_a_tap_or_a_browser_opens_elsewhere_is_never_official(message: str) -> None:
    assert check_message(message, CATALOG).verdict is not OFF


@pytest.mark.parametrize(
    "typed",
    [
        "47.74.183.27.",
        "(47.74.183.27)",
        "４７.７４.１８３.２７",
        "47。74。183。27",
        "47[.]74[.]183[.]27",
    ],
)
def test_a_known_fake_ip_address_is_known_however_it_is_written(typed: str) -> None:
    found = check_message(typed, CATALOG)
    assert (found.verdict, found.reason) == (LOOK, Reason.KNOWN_FAKE)


def test_an_ip_address_alone_in_a_sentence_does_not_make_a_message_a_question() -> None:
    assert not has_something_to_check("version 1.2.3.4 is out")
    assert has_something_to_check("47.74.183.27")
    assert has_something_to_check("log in at 47.74.183.27/login")


@pytest.mark.parametrize(
    "message",
    [
        "官网https://www.mexc.com，客服@MEXC_Official",
        "快去 https://www.mexc.com/support，看看",
        "(www.mexc.com)",
        "See https://www.mexc.com/zh-CN/support?x=1#y.",
        "https://x.com/MEXC_Official",
    ],
)
def test_official_links_in_ordinary_sentences_stay_official(message: str) -> None:
    assert check_message(message, CATALOG).verdict is OFF
