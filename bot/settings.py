"""Configuration from the environment and `.env` (pydantic-settings).

Every setting is listed with a comment in `.env.example`. Tokens are `SecretStr`: their
value never reaches a log or a `repr`. A bad value stops the program at start with one
line naming the setting (see `load_settings`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from probes.domains import is_local

SHIPPED_CATALOG = Path(__file__).parent / "catalog" / "catalog.yaml"
# Reference endpoints that are not exchanges, on independent providers (Google, Cloudflare,
# Apple): when all of them fail, the probes are blind (see bot/blind.py).
DEFAULT_CANARY_URLS = (
    "https://www.gstatic.com/generate_204",
    "https://www.cloudflare.com/cdn-cgi/trace",
    "https://www.apple.com/library/test/success.html",
)


class SettingsError(Exception):
    """A setting has a bad value; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    catalog_path: Path = SHIPPED_CATALOG
    database_path: Path = Path("./data/supportlive.sqlite3")
    port: int = Field(default=8080, ge=0, le=65_535)
    web_host: str = "0.0.0.0"
    web_enabled: bool = True

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_rate_per_s: float = Field(default=25.0, gt=0.0, le=30.0)

    discord_bot_token: SecretStr | None = None
    discord_api_base_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None
    discord_test_guild_id: int | None = None

    admin_user_ids: Annotated[frozenset[str], NoDecode] = frozenset()
    log_level: str = "INFO"
    probe_concurrency: int = Field(default=64, ge=1, le=10_000)
    allow_local_targets: bool = False
    # After allow_local_targets: its validator reads that value.
    canary_urls: Annotated[tuple[str, ...], NoDecode] = DEFAULT_CANARY_URLS
    dns_nameservers: Annotated[tuple[str, ...], NoDecode] = ()

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("dns_nameservers", mode="before")
    @classmethod
    def _split_servers(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

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

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return level

    @field_validator("telegram_bot_token", "discord_bot_token", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value


def canary_problem(url: str, allow_local: bool) -> str | None:
    """Why url cannot be a canary, or None: https with a host (loopback http in tests only)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host:
        return "not a URL with a host"
    if parts.username or parts.password:
        return "credentials in URL"
    if is_local(host) and not allow_local:
        return "loopback needs ALLOW_LOCAL_TARGETS=true"
    if parts.scheme != "https" and not (is_local(host) and parts.scheme == "http"):
        return "use https"
    return None


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise SettingsError with one line per bad setting, never a traceback."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            name = str(problem["loc"][0]).upper() if problem["loc"] else "settings"
            lines.append(f"{name}: {problem['msg']}")
        raise SettingsError("; ".join(lines)) from None
