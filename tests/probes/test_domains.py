"""Probes go only to official domains; loopback only when the target allows it."""

from __future__ import annotations

import pytest

from probes.domains import host_problem, url_problem, within

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
