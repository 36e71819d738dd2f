"""Settings from the environment (and a `.env` file in the working directory), built once in main()."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB = "sqlite+aiosqlite:///data/bot.db"
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """Read `1d,1h` / `2m` into durations, largest first; raise ValueError on anything else."""
    out = []
    for part in text.split(","):
        if not part.strip():
            continue
        m = _DURATION.match(part)
        if not m or int(m.group(1)) == 0:
            raise ValueError(f"not a duration: {part!r} (use e.g. 1d, 1h, 30m, 2m)")
        out.append(timedelta(seconds=int(m.group(1)) * _UNIT_SECONDS[m.group(2)]))
    return tuple(sorted(set(out), reverse=True))


def normalise_db_url(url: str) -> str:
    """Map postgres:// and postgresql:// to the asyncpg driver, sqlite:// to aiosqlite."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix):]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://"):]
    return url


class Settings(BaseSettings):
    """Every knob of the bot; names match the environment variables in the README."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = DEFAULT_DB
    bot_timezone: str = "Asia/Shanghai"
    redis_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    port: int = 8080
    digest_cron: str = "0 8 * * mon"
    reminder_offsets: str = "1d,1h"
    data_dir: str = "data"
    outbox_interval: float = Field(default=1.0, gt=0)
    sweep_interval: float = Field(default=30.0, gt=0, le=30)
    poll_timeout: int = Field(default=30, ge=0, le=50)
    # production knobs (docs/operations.md): outbox pacing, leases, scheduler leadership, per-person throttling
    outbox_rate: float = Field(default=30.0, gt=0)
    outbox_group_per_minute: int = Field(default=20, gt=0)
    outbox_lease: float = Field(default=60.0, gt=0)
    leader_retry: float = Field(default=5.0, gt=0, le=30)
    throttle_burst: int = Field(default=40, ge=0)
    throttle_per_minute: float = Field(default=30.0, gt=0)

    @field_validator("database_url")
    @classmethod
    def _db(cls, v: str) -> str:
        return normalise_db_url(v.strip())

    @field_validator("bot_timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v

    @field_validator("reminder_offsets")
    @classmethod
    def _offsets(cls, v: str) -> str:
        if not parse_offsets(v):
            raise ValueError("REMINDER_OFFSETS needs at least one duration")
        return v

    @field_validator("telegram_api_url")
    @classmethod
    def _api(cls, v: str) -> str:
        return v.rstrip("/")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    @property
    def offsets(self) -> tuple[timedelta, ...]:
        return parse_offsets(self.reminder_offsets)

    @property
    def token(self) -> str | None:
        return self.bot_token.get_secret_value() if self.bot_token else None
