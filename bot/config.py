"""Settings read from the environment and an optional .env file.

Every setting is documented in the README's configuration table; `tests/test_docs.py` keeps them in step.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.loop import EventLoopChoice

SHIPPED_SURVEYS_DIR = Path(__file__).resolve().parent.parent / "surveys"
TELEGRAM_API_DEFAULT = "https://api.telegram.org"
TOKEN_PATTERN = re.compile(r"^\d{5,20}:[A-Za-z0-9_-]{30,60}$")


class Settings(BaseSettings):
    """The whole configuration of one consultbot deployment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///./consultbot.db"
    redis_url: str | None = None
    telegram_api_url: str = TELEGRAM_API_DEFAULT
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_locale: str = "fr"
    timezone: str = "Europe/Brussels"
    city_name: str = "Charleroi"
    host: str = "0.0.0.0"  # noqa: S104 - a container listens on every interface by design
    port: int = Field(default=8080, ge=1, le=65535)
    webhook_base_url: str | None = None
    webhook_path: str = "/telegram"
    webhook_secret: SecretStr | None = None
    health_port: int | None = Field(default=None, ge=1, le=65535)
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    surveys_dir: Path = SHIPPED_SURVEYS_DIR
    pseudonym_key: SecretStr | None = None
    flood_limit: int = Field(default=30, ge=1)
    flood_window_seconds: float = Field(default=10.0, gt=0)
    small_count_threshold: int = Field(default=5, ge=1)
    round_check_seconds: int = Field(default=60, ge=1)
    sender: Literal["inline", "off"] = "inline"
    register_webhook: bool = True
    broadcast_approval_over: int = Field(default=1000, ge=0)
    retention_days: int = Field(default=365, ge=1)
    send_rate: float = Field(default=30.0, gt=0)
    sender_poll_seconds: float = Field(default=2.0, gt=0)
    event_loop: EventLoopChoice = "auto"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            return frozenset(int(p) for p in parts)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Brussels)") from exc
        return value

    @field_validator("webhook_path")
    @classmethod
    def _leading_slash(cls, value: str) -> str:
        return value if value.startswith("/") else "/" + value

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def token(self) -> str:
        """The bot token, checked; raises ConfigError with what to do when it is missing or malformed."""
        from bot.errors import ConfigError

        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise ConfigError(
                "BOT_TOKEN is not set: open @BotFather in Telegram, send /newbot, "
                "and put the token it gives you in BOT_TOKEN (environment or .env)."
            )
        token = self.bot_token.get_secret_value().strip()
        if not TOKEN_PATTERN.match(token):
            raise ConfigError(
                "BOT_TOKEN is malformed: it should look like 123456789:AAE… "
                "(copy it again from @BotFather, /mybots → API Token)."
            )
        return token
