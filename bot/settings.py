"""Configuration from the environment and `.env` (pydantic-settings).

Every setting is listed with a comment in `.env.example`. Tokens are `SecretStr`: their
value never reaches a log or a `repr`. A bad value stops the program at start with one
line naming the setting (see `load_settings`).
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated

from dotenv.parser import parse_stream
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

from bot.validation import describe
from probes.domains import UrlError, is_local, normalize_host, parse_url
from storage.database_url import check_database_url

SHIPPED_CATALOG = Path(__file__).parent / "catalog" / "catalog.yaml"
# Reference endpoints that are not exchanges, on independent providers (Google, Cloudflare,
# Apple): when all of them fail, the probes are blind (see bot/blind.py).
DEFAULT_CANARY_URLS = (
    "https://www.gstatic.com/generate_204",
    "https://www.cloudflare.com/cdn-cgi/trace",
    "https://www.apple.com/library/test/success.html",
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Shapes only: the platforms say whether a token is valid; these catch a pasted wrong thing.
_TELEGRAM_TOKEN = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")
_DISCORD_TOKEN = re.compile(r"[A-Za-z0-9_.-]+")
_ADMIN_ID = re.compile(r"(?:(?:telegram|discord):)?[0-9]{1,20}")
# Telegram's rule for a webhook's secret_token (setWebhook): 1-256 of these characters.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# The only ports Telegram delivers webhook requests to.
WEBHOOK_PORTS = (443, 80, 88, 8443)
# A region names where a process probes from (bot/regions.py): short, lowercase, URL-safe.
_REGION = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?")
# The name at the start of a `.env` line, to say which setting a line that cannot be read was.
_DOTENV_NAME = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)")
DOTENV = Path(".env")
DEFAULT_REGION = "main"


class SettingsError(Exception):
    """A setting has a bad value; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    catalog_path: Path = SHIPPED_CATALOG
    database_path: Path = Path("./data/supportlive.sqlite3")
    # PostgreSQL instead of the SQLite file, when set. Its password is a secret: show the URL
    # only as `storage.database_url.redact_url` gives it.
    database_url: SecretStr | None = None
    database_pool_min: int = Field(default=1, ge=0, le=1_000)
    # After database_pool_min: its validator reads that value.
    database_pool_max: int = Field(default=10, ge=1, le=1_000)
    port: int = Field(default=8080, ge=0, le=65_535)
    web_host: str = "0.0.0.0"
    web_enabled: bool = True

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_rate_per_s: float = Field(default=25.0, gt=0.0, le=30.0, allow_inf_nan=False)
    # Webhook mode (bot/adapters/telegram/webhook.py). The secret comes first: the URL's
    # validator reads it (and web_enabled) to say what is missing.
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_url: str | None = None

    discord_bot_token: SecretStr | None = None
    discord_api_base_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None
    discord_test_guild_id: int | None = Field(default=None, gt=0)

    admin_user_ids: Annotated[frozenset[str], NoDecode] = frozenset()
    log_level: str = "INFO"
    probe_concurrency: int = Field(default=64, ge=1, le=10_000)
    allow_local_targets: bool = False
    # After allow_local_targets: its validator reads that value.
    canary_urls: Annotated[tuple[str, ...], NoDecode] = DEFAULT_CANARY_URLS
    dns_nameservers: Annotated[tuple[str, ...], NoDecode] = ()
    probe_region: str = DEFAULT_REGION

    @property
    def database_target(self) -> str | Path:
        """Where the data lives: DATABASE_URL (a secret: never log it) when set, else the file."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return self.database_path

    @field_validator("catalog_path", "database_path", mode="before")
    @classmethod
    def _path_given(cls, value: object) -> object:
        # An empty path would be the current folder: neither a catalog nor a database.
        if isinstance(value, str) and not value.strip():
            raise ValueError("is empty (leave it out for the default)")
        return value

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        ids = [part.strip().lower() for part in value.split(",") if part.strip()]
        bad = [part for part in ids if not _ADMIN_ID.fullmatch(part)]
        if bad:
            raise ValueError(
                f"not a user id: {_listed(bad)} (write telegram:12345 or discord:67890, "
                "comma-separated)"
            )
        return frozenset(ids)

    @field_validator("dns_nameservers", mode="before")
    @classmethod
    def _split_servers(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        servers = [part.strip() for part in value.split(",") if part.strip()]
        bad = [server for server in servers if not _is_ip(server)]
        if bad:
            raise ValueError(f"not an IP address: {_listed(bad)} (write 1.1.1.1,8.8.8.8)")
        return tuple(servers)

    @field_validator("canary_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("canary_urls")
    @classmethod
    def _canary_urls(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        allow_local = bool(info.data.get("allow_local_targets", False))
        for url in value:
            if problem := canary_problem(url, allow_local):
                raise ValueError(f"{url!r}: {problem}")
        return value

    @field_validator("probe_region")
    @classmethod
    def _region_name(cls, value: str) -> str:
        region = value.strip()
        if not _REGION.fullmatch(region):
            raise ValueError(
                f"{_shown(region)} is not a region name: use lowercase letters, digits and "
                "'-', at most 32 (e.g. eu-west)"
            )
        return region

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LOG_LEVELS:
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator(
        "telegram_bot_token",
        "discord_bot_token",
        "discord_test_guild_id",
        "telegram_webhook_secret",
        "telegram_webhook_url",
        "database_url",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("database_url")
    @classmethod
    def _postgresql_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        return SecretStr(check_database_url(value.get_secret_value()))

    @field_validator("database_pool_max")
    @classmethod
    def _pool_holds_its_minimum(cls, value: int, info: ValidationInfo) -> int:
        least = info.data.get("database_pool_min")
        if isinstance(least, int) and value < least:
            raise ValueError(f"must be at least DATABASE_POOL_MIN ({least})")
        return value

    # Token messages never show the value: it is a secret even when it is the wrong one.
    @field_validator("telegram_bot_token")
    @classmethod
    def _telegram_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TELEGRAM_TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError("not a bot token: @BotFather gives one like 123456789:AAE...")
        return value

    @field_validator("discord_bot_token")
    @classmethod
    def _discord_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _DISCORD_TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError(
                "not a bot token: it has spaces, quotes or other characters a token never "
                "has (paste the token alone, without 'Bot ')"
            )
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError(
                "must be 1 to 256 characters, each a letter A-Z or a-z, a digit, '_' or '-' "
                "(Telegram's rule)"
            )
        return value

    @field_validator("telegram_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        url = webhook_base_url(value)
        if info.data.get("web_enabled") is False:
            raise ValueError("needs the web side (WEB_ENABLED=true): Telegram delivers to it")
        # A secret that failed its own check is absent here: that line says enough.
        if "telegram_webhook_secret" in info.data and info.data["telegram_webhook_secret"] is None:
            raise ValueError(
                "needs TELEGRAM_WEBHOOK_SECRET too (1 to 256 characters: A-Z, a-z, 0-9, _, -)"
            )
        return url

    @field_validator("telegram_api_base_url", "discord_api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _url(value, ("http", "https"))

    @field_validator("discord_gateway_url", mode="before")
    @classmethod
    def _gateway_url(cls, value: object) -> object:
        if isinstance(value, str):
            return _url(value, ("ws", "wss")) if value.strip() else None
        return value

    @field_validator("web_host")
    @classmethod
    def _host(cls, value: str) -> str:
        host = value.strip()
        if _is_ip(host):
            return host
        try:
            normalize_host(host)
        except UrlError:
            raise ValueError(f"{_shown(host)} is not a host name or IP address") from None
        return host


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _url(value: str, schemes: tuple[str, ...]) -> str:
    """The URL as given when it is an absolute URL with one of `schemes`, else ValueError."""
    text = value.strip()
    try:
        scheme = parse_url(text).scheme
    except UrlError as error:
        raise ValueError(f"{_shown(text)} is not a URL: {error}") from None
    if scheme not in schemes:
        raise ValueError(
            f"{_shown(text)} must start with {' or '.join(s + '://' for s in schemes)}"
        )
    return text


def _shown(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _listed(items: list[str]) -> str:
    return ", ".join(_shown(item) for item in items)


def webhook_base_url(text: str) -> str:
    """The public base URL the webhook is registered under (no trailing '/'), or ValueError.

    Telegram delivers only over HTTPS, only to ports 443, 80, 88 and 8443; our path
    (/telegram/...) is appended, so a query or a fragment would end up in the wrong place.
    """
    try:
        parts = parse_url(text)
    except UrlError as error:
        raise ValueError(f"{_shown(text)} is not a URL: {error}") from None
    if parts.scheme != "https":
        raise ValueError(
            f"{_shown(text)} must start with https:// (Telegram delivers webhooks over HTTPS only)"
        )
    if parts.port is not None and parts.port not in WEBHOOK_PORTS:
        raise ValueError(
            f"port {parts.port}: Telegram delivers only to ports 443, 80, 88 or 8443 "
            "(put a reverse proxy on one of them in front of PORT)"
        )
    if "?" in parts.rest or "#" in parts.rest:
        raise ValueError(
            f"{_shown(text)} has a query or fragment: give the public base URL, like "
            "https://bot.example.org"
        )
    return text.rstrip("/")


def canary_problem(url: str, allow_local: bool) -> str | None:
    """Why url cannot be a canary, or None: https with a host (loopback http in tests only).

    Read as the probe reads it (`parse_url`): a URL it would refuse would fail every check,
    and one canary that can never answer leaves the bot blind for good.
    """
    try:
        parts = parse_url(url)
    except UrlError as error:
        if error.code == "userinfo":
            return "credentials in URL"
        return f"not a URL a probe can fetch: {error}"
    if is_local(parts.host) and not allow_local:
        return "loopback needs ALLOW_LOCAL_TARGETS=true"
    if parts.scheme != "https" and not (is_local(parts.host) and parts.scheme == "http"):
        return "use https"
    return None


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise SettingsError with one line per bad setting, never a traceback."""
    try:
        check_dotenv(DOTENV)
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors(include_url=False):
            described = describe(problem)
            if described is None:
                continue
            name = str(described.loc[0]).upper() if described.loc else "settings"
            lines.append(f"{name}: {described.message}")
        raise SettingsError("; ".join(lines)) from None
    except UnicodeDecodeError as error:
        where = f"byte 0x{error.object[error.start]:02x} at offset {error.start}"
        raise SettingsError(f".env: is not UTF-8 text ({where})") from None
    except OSError as error:
        raise SettingsError(f".env: {error.strerror or error}") from None
    except SourceError as error:
        raise SettingsError(str(error)) from None


def check_dotenv(path: Path) -> None:
    """Raise SettingsError for the first line of `path` that is not `NAME=value`.

    python-dotenv skips such a line with a warning: a token with a stray quote would start
    the bot without that platform, and its subscribers would get no alert. The message names
    the line and its setting, never its value (it may be a token).
    """
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            if binding.error:
                name = _DOTENV_NAME.match(binding.original.string)
                which = f" ({name[1]})" if name else ""
                raise SettingsError(
                    f".env: line {binding.original.line}{which} cannot be read: write it as "
                    "NAME=value, with a closing quote if the value starts with one"
                )
