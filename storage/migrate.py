"""Apply Alembic migrations from code (`python -m bot db upgrade`, and every command on start)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at this package's migrations and the given URL."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def upgrade_sync(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (blocking; call outside the event loop)."""
    command.upgrade(alembic_config(url), revision)


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` from async code (runs in a worker thread)."""
    await asyncio.to_thread(upgrade_sync, url, revision)
