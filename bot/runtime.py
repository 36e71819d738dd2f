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
