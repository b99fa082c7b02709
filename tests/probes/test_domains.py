"""Probes go only to official domains; loopback only when the target allows it."""

from __future__ import annotations

import pytest

from probes.domains import (
    UrlError,
    host_problem,
    is_public_suffix,
    is_shared_suffix,
    parse_url,
    registrable_domain,
    url_problem,
    within,
)

OFFICIAL = ("mexc.com",)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("mexc.com", True),
        ("www.mexc.com", True),
        ("WWW.MEXC.COM.", True),
        ("mexc.com.evil.example", False),
        ("evilmexc.com", False),
        ("", False),
    ],
)
def test_it_knows_official_hosts(host: str, expected: bool) -> None:
    assert within(host, OFFICIAL) is expected


@pytest.mark.parametrize(
    ("url", "allow_local", "problem"),
    [
        ("https://www.mexc.com/support", False, None),
        ("https://help.mexc.com:8443/x", False, None),
        ("http://www.mexc.com/support", False, "http scheme in http://www.mexc.com/support"),
        ("https://mexc.com.evil.example/", False, "unofficial host mexc.com.evil.example"),
        ("https://user:pw@www.mexc.com/", False, "credentials in URL"),
        ("http://127.0.0.1:8080/", False, "http scheme in http://127.0.0.1:8080/"),
        ("http://127.0.0.1:8080/", True, None),
        ("http://localhost:8080/", True, None),
        ("http://evil.example/", True, "http scheme in http://evil.example/"),
        ("ftp://www.mexc.com/", False, "ftp scheme in ftp://www.mexc.com/"),
    ],
)
def test_it_refuses_urls_off_the_official_domains(
    url: str, allow_local: bool, problem: str | None
) -> None:
    found = url_problem(url, OFFICIAL, allow_local)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found.startswith(problem)


def test_it_allows_loopback_hosts_only_when_asked() -> None:
    assert host_problem("127.0.0.1", OFFICIAL, allow_local=True) is None
    assert host_problem("127.0.0.1", OFFICIAL, allow_local=False) == "unofficial host 127.0.0.1"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("https://evil.io\\www.mexc.com/support", "backslash"),
        ("https://www.mexc.com@evil.io/", "userinfo"),
        ("https://user:pw@www.mexc.com/", "userinfo"),
        ("https://www.mexc.com/\tx", "control"),
        ("https://www.mexc.com/\x00", "control"),
        (" https://www.mexc.com/", "control"),
        ("www.mexc.com/support", "scheme"),
        ("https:www.mexc.com", "scheme"),
        ("https://2130706433/", "ip"),
        ("https://0x7f.0.0.1/", "ip"),
        ("https://mexc.com%2eevil.io/", "host"),
        ("https://mexc..com/", "host"),
        ("https://-mexc.com/", "host"),
        ("https://mexc.com:http/", "port"),
    ],
)
def test_it_refuses_what_browsers_read_differently(url: str, code: str) -> None:
    with pytest.raises(UrlError) as caught:
        parse_url(url)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("https://WWW.MEXC.COM./support", "www.mexc.com", None),
        ("https://www。mexc．com/support", "www.mexc.com", None),
        ("https://m\u0435xc.com/", "xn--mxc-rdd.com", None),
        ("http://127.0.0.1:8080/x", "127.0.0.1", 8080),
        ("http://[::1]:8080/", "::1", 8080),
        ("https://抹茶.com/", "xn--psu263e.com", None),
    ],
)
def test_it_normalizes_hosts_like_a_browser(url: str, host: str, port: int | None) -> None:
    parsed = parse_url(url)
    assert (parsed.host, parsed.port) == (host, port)


@pytest.mark.parametrize(
    ("host", "registrable"),
    [
        ("www.mexc.com", "mexc.com"),
        ("wap.xnb-binance.com.cn", "xnb-binance.com.cn"),
        ("help-gate-io.pages.dev", "help-gate-io.pages.dev"),
        ("krakenlogin.co.com", "krakenlogin.co.com"),
        ("com", None),
        ("co.uk", None),
        ("github.io", None),
        ("47.74.183.27", None),
    ],
)
def test_registrable_domains_come_from_the_public_suffix_list(
    host: str, registrable: str | None
) -> None:
    assert registrable_domain(host) == registrable
    assert is_public_suffix(host) is (registrable is None and host != "47.74.183.27")


def test_private_suffixes_are_shared_hosting() -> None:
    assert is_shared_suffix("help-gate-io.pages.dev")
    assert is_shared_suffix("krakenlogin.co.com")
    assert not is_shared_suffix("www.mexc.com")
    assert not is_shared_suffix("evil.co.uk")
