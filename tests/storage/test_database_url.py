"""DATABASE_URL's shape is checked, and the URL is only ever shown with its password hidden."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.database_url import check_database_url, host_names, redact_url, scrub


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://bot:s3cret@db.example.org:5432/supportlive",
        "postgres://bot@db.example.org/supportlive",
        "postgresql://bot:s3cret@[::1]:5432/supportlive",
        "postgresql://bot:s3cret@h1:5432,h2:5433/supportlive?target_session_attrs=read-write",
        "postgresql:///supportlive?host=/var/run/postgresql",
        "  postgresql://bot:p%2Fss@db/supportlive\n",
    ],
)
def test_it_takes_the_urls_a_postgresql_client_takes(url: str) -> None:
    assert check_database_url(url) == url.strip()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://bot:s3cret@db/x", "must start with postgresql:// or postgres:// (got "
         "'mysql://bot:***@db/x')"),
        ("sqlite:///data/x.sqlite3", "must start with postgresql:// or postgres:// (got "
         "'sqlite:///data/x.sqlite3')"),
        ("db.example.org:5432/x", "is not a URL: use postgresql://user:password@host:5432/database"),
        ("s3cret", "is not a URL: use postgresql://user:password@host:5432/database"),
        ("postgresql://[::1/x", "is not a URL"),
        ("postgresql://bot:s3cret@db:99999/x", "port '99999' is not a port number (in "
         "'postgresql://bot:***@db:99999/x')"),
        ("postgresql://bot:s3cret@db:pg/x", "port 'pg' is not a port number"),
        ("postgresql://bot:s3 cret@db/x", "must not contain spaces (in 'postgresql://bot:***@db/x')"),
        ("postgresql://bot:s3/cret@db/x", "has an '@' after the host: a '/', '?', '#' or '@' in "
         "the user name or password must be written %2F, %3F, %23 or %40 (in "
         "'postgresql://***@db/x')"),
    ],
)  # fmt: skip
def test_it_refuses_anything_else_saying_why_without_the_password(url: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        check_database_url(url)
    assert str(refused.value).startswith(message)
    assert "s3cret" not in str(refused.value)
    assert "cret" not in str(refused.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://bot:s3cret@db:5432/x", "postgresql://bot:***@db:5432/x"),
        ("postgresql://bot@db/x", "postgresql://bot@db/x"),
        ("postgresql://db/x", "postgresql://db/x"),
        ("postgresql://bot:@db/x", "postgresql://bot:***@db/x"),
        ("postgresql://bot:p@ss@db/x", "postgresql://bot:***@db/x"),
        (
            "postgresql://bot@db/x?sslmode=require&password=s3cret",
            "postgresql://bot@db/x?sslmode=require&password=***",
        ),
        ("postgresql://bot:s3cret@h1,h2:5433/x", "postgresql://bot:***@h1,h2:5433/x"),
        ("not a url with s3cret", "***"),
    ],
)
def test_redacting_hides_every_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown


@given(password=st.text(alphabet=st.characters(codec="utf-8"), min_size=1))
def test_a_percent_encoded_password_is_always_hidden(password: str) -> None:
    url = f"postgresql://bot:{quote(password, safe='')}@db.example.org:5432/x"
    assert check_database_url(url) == url
    assert redact_url(url) == "postgresql://bot:***@db.example.org:5432/x"


# Upper-case letters, digits and URL delimiters: no run of 6 of them occurs in the shown URL
# ("postgresql://bot:***@db/x"), so the password appears there only if it leaked.
raw_passwords = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/?#@:%[]", min_size=6)


@given(password=raw_passwords)
def test_a_password_pasted_without_encoding_is_hidden_too(password: str) -> None:
    assert password not in redact_url(f"postgresql://bot:{password}@db/x")


def test_scrub_hides_the_url_and_its_passwords_in_any_message() -> None:
    url = "postgresql://bot:p%40ss-Word@db/x?sslpassword=key-Secret"
    said = f"could not connect to {url}: password p@ss-Word refused; key-Secret unreadable"
    assert scrub(said, url) == (
        "could not connect to postgresql://bot:***@db/x?sslpassword=***: password *** refused; "
        "*** unreadable"
    )


def test_scrub_hides_a_short_password_where_it_stands_alone_and_leaves_words_be() -> None:
    url = "postgresql://u:p@db/x"
    said = "no database file at /tmp/pg/install.sqlite3; password p refused (u:p)"
    assert scrub(said, url) == (
        "no database file at /tmp/pg/install.sqlite3; password *** refused (u:***)"
    )


@pytest.mark.parametrize(
    ("url", "hosts"),
    [
        ("postgresql://u:p@no-such-host.invalid/db", ["no-such-host.invalid"]),
        ("postgresql://bot:s3cret@h1:5432,h2:5433/x", ["h1", "h2"]),
        ("postgresql://bot@[::1]:5432/x", ["[::1]"]),
        ("postgresql://[::1]/x", ["[::1]"]),
        ("postgresql:///x?host=/var/run/postgresql", []),  # a socket folder: no lookup
        ("postgresql:///x?host=db.example.org&port=5433", ["db.example.org"]),
        ("not a url", []),
    ],
)
def test_host_names_are_the_urls_hosts_without_ports(url: str, hosts: list[str]) -> None:
    assert host_names(url) == hosts
