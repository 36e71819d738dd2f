"""What every handler and job reaches by name: settings, the database, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from bot.config import Settings
from storage.db import Database


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class FileClock:
    """A clock read from a file holding an ISO timestamp: lets process tests move a real process's time.

    Used only when BOT_CLOCK_FILE is set (tests); production uses the system clock.
    """

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self._last: datetime | None = None

    def __call__(self) -> datetime:
        try:
            value = datetime.fromisoformat(self.path.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):  # caught mid-rewrite: time stands still rather than failing
            if self._last is None:
                raise
            return self._last
        self._last = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return self._last


@dataclass
class Runtime:
    """Collaborators of one process; tests build their own with an injected clock."""

    settings: Settings
    db: Database
    clock: Callable[[], datetime] = system_clock
    outbox_wakeup: Callable[[], None] = field(default=lambda: None)

    @property
    def data_dir(self) -> Path:
        return Path(self.settings.data_dir)
