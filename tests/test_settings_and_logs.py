"""Settings read from the environment and `.env`; secrets never reach a log line."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.logs import RedactSecrets
from bot.settings import Settings, SettingsError, load_settings

TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ra"


def test_it_reads_defaults_without_any_configuration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.port == 8080
    assert settings.telegram_bot_token is None
    assert settings.database_path == Path("data/supportlive.sqlite3")


def test_it_reads_a_dotenv_file_and_splits_admin_ids(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\nADMIN_USER_IDS=telegram:1, 2\nPORT=9000\n", encoding="utf-8"
    )
    settings = load_settings()
    assert settings.port == 9000
    assert settings.admin_user_ids == frozenset({"telegram:1", "2"})
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)


@pytest.mark.parametrize(
    "line",
    [
        f'TELEGRAM_BOT_TOKEN="{TOKEN}',
        f"TELEGRAM_BOT_TOKEN='{TOKEN}",
        f'TELEGRAM_BOT_TOKEN = "{TOKEN}" x',
    ],
)
def test_a_dotenv_line_that_cannot_be_read_stops_the_start_naming_it_not_its_value(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, line: str
) -> None:
    # python-dotenv skips such a line with a warning: the bot then started without Telegram,
    # its subscribers got no alert, and nothing said the token was missing.
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(f"PORT=9000\n{line}\nADMIN_USER_IDS=1\n", encoding="utf-8")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(".env: line 2 (TELEGRAM_BOT_TOKEN) cannot be read")
    assert TOKEN not in message and TOKEN[:12] not in message


def test_comments_blank_lines_and_export_in_dotenv_are_fine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "# settings\n\nexport PORT=9001\nLOG_LEVEL='DEBUG'  # loud\n", encoding="utf-8"
    )
    settings = load_settings()
    assert (settings.port, settings.log_level) == (9001, "DEBUG")


def test_it_names_the_bad_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(SettingsError, match=r"^PORT: "):
        load_settings()


def test_a_bad_setting_stops_the_cli_with_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "catalog", "check"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "LOG_LEVEL": "LOUD"},
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "supportlive: configuration: LOG_LEVEL: use DEBUG, INFO, WARNING or ERROR"
    ]


def test_it_redacts_tokens_from_messages_and_tracebacks() -> None:
    record_sink: list[str] = []

    class Sink(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            record_sink.append(self.format(record))

    logger = logging.getLogger("test.redact")
    handler = Sink()
    handler.addFilter(RedactSecrets(["discord-secret-value"]))
    logger.addHandler(handler)
    try:
        logger.warning("POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
        try:
            raise RuntimeError("login failed with discord-secret-value")
        except RuntimeError:
            logger.exception("discord")
    finally:
        logger.removeHandler(handler)
    joined = "\n".join(record_sink)
    assert TOKEN not in joined
    assert "discord-secret-value" not in joined
    assert "https://api.telegram.org/bot[redacted]/getUpdates" in joined
    assert "RuntimeError: login failed with [redacted]" in joined


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.io\\www.gstatic.com/generate_204",  # a browser goes to evil.io
        "https://www.gstatic.com:99999/generate_204",  # no such port
        "https://www.gstatic.com/a https://www.apple.com/",  # a space, not a comma
        "https://0x08080808/",  # an IPv4 address spelled in hex
    ],
)
def test_a_canary_url_the_probe_would_refuse_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    # Accepted, such a canary would fail every check for good: blind for ever, no alerts.
    monkeypatch.setenv("CANARY_URLS", url)
    with pytest.raises(SettingsError, match=r"^CANARY_URLS: .*not a URL"):
        load_settings()


def test_debug_logs_never_carry_what_users_sent() -> None:
    """At DEBUG the chat libraries print every update (user id, name, the words typed, so a
    /report with its reporter) and aiosqlite every statement with its values: those stay at
    INFO, while our own debug lines still show."""
    script = (
        "import logging\n"
        "from bot.logs import configure_logging\n"
        "configure_logging('DEBUG', [])\n"
        "logging.getLogger('telegram.ext.Application').debug('Processing update id=777000111')\n"
        "logging.getLogger('discord.gateway').debug('WebSocket Event: user 777000222')\n"
        "logging.getLogger('aiosqlite').debug('executing user_id 777000333')\n"
        "logging.getLogger('telegram.ext.Application').info('Application started')\n"
        "logging.getLogger('bot.monitor').debug('our own debug line')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "7770001" not in done.stderr and "7770002" not in done.stderr
    assert "7770003" not in done.stderr
    assert "Application started" in done.stderr
    assert "our own debug line" in done.stderr


def test_every_setting_is_in_the_readme_table_and_in_env_example() -> None:
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    example = (root / ".env.example").read_text(encoding="utf-8")
    table = [line for line in readme.splitlines() if line.startswith("| `")]
    for name in (field.upper() for field in Settings.model_fields):
        assert any(f"`{name}`" in row for row in table), f"{name} not in README's settings table"
        assert f"# {name}=" in example, f"{name} not in .env.example"
