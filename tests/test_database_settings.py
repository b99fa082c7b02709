"""DATABASE_URL, DATABASE_POOL_MIN and DATABASE_POOL_MAX: checked at start, one line naming the
setting and exit 2 when wrong, and the URL's password never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from tests.test_bad_starts import env_for, one_line, supportlive

PASSWORD = "hunter2-Secret"


@pytest.fixture(autouse=True)
def _no_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "DATABASE_POOL_MIN", "DATABASE_POOL_MAX"):
        monkeypatch.delenv(name, raising=False)


def test_unset_means_the_sqlite_file_with_a_pool_of_1_to_10() -> None:
    settings = load_settings()
    assert settings.database_url is None
    assert (settings.database_pool_min, settings.database_pool_max) == (1, 10)
    assert settings.database_target == Path("data/supportlive.sqlite3")


@pytest.mark.parametrize("url", ["", "   "])
def test_an_empty_url_is_unset(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert load_settings().database_url is None


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_postgresql_url_is_kept_secret(monkeypatch: pytest.MonkeyPatch, scheme: str) -> None:
    url = f"{scheme}://bot:{PASSWORD}@db.example.org:5432/supportlive"
    monkeypatch.setenv("DATABASE_URL", f" {url} ")
    monkeypatch.setenv("DATABASE_POOL_MIN", "2")
    monkeypatch.setenv("DATABASE_POOL_MAX", "2")
    settings = load_settings()
    assert settings.database_url is not None
    assert settings.database_url.get_secret_value() == url
    assert settings.database_target == url
    assert (settings.database_pool_min, settings.database_pool_max) == (2, 2)
    assert PASSWORD not in repr(settings)


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"DATABASE_URL": f"mysql://bot:{PASSWORD}@db/x"},
         "DATABASE_URL: must start with postgresql:// or postgres:// (got 'mysql://bot:***@db/x')"),
        ({"DATABASE_URL": f"postgresql://bot:{PASSWORD}@db:5432x/x"},
         "DATABASE_URL: port '5432x' is not a port number (in 'postgresql://bot:***@db:5432x/x')"),
        ({"DATABASE_URL": PASSWORD},
         "DATABASE_URL: is not a URL: use postgresql://user:password@host:5432/database"),
        ({"DATABASE_POOL_MIN": "-1"}, "DATABASE_POOL_MIN: must be at least 0"),
        ({"DATABASE_POOL_MAX": "0"}, "DATABASE_POOL_MAX: must be at least 1"),
        ({"DATABASE_POOL_MAX": "many"}, "DATABASE_POOL_MAX: must be a whole number"),
        ({"DATABASE_POOL_MIN": "5", "DATABASE_POOL_MAX": "4"},
         "DATABASE_POOL_MAX: must be at least DATABASE_POOL_MIN (5)"),
    ],
)  # fmt: skip
def test_a_bad_value_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], line: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value) == line


def test_a_bad_url_stops_the_start_with_exit_2_and_no_password(tmp_path: Path) -> None:
    env = env_for(tmp_path, DATABASE_URL=f"mysql://bot:{PASSWORD}@db.example.org/x")
    code, out, err = supportlive("run", env=env, cwd=tmp_path)
    assert code == 2
    assert one_line(err) == (
        "supportlive: configuration: DATABASE_URL: must start with postgresql:// or "
        "postgres:// (got 'mysql://bot:***@db.example.org/x')"
    )
    assert PASSWORD not in out + err
