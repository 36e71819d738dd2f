"""`db backup`: a consistent copy of a live SQLite database; for PostgreSQL, the pg_dump to run."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import Database


def _sqlite_copy(source: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)  # SQLite's online backup API: a consistent snapshot while the bot writes
    finally:
        dst.close()
        src.close()


async def backup(db: Database, target: Path) -> str:
    """Write the copy (SQLite) or explain the dump command (PostgreSQL); returns what was done."""
    url = make_url(db.url)
    if url.get_backend_name() == "sqlite":
        await asyncio.to_thread(_sqlite_copy, url.database, target)
        return f"wrote a consistent copy of {url.database} to {target}"
    plain = url.set(drivername="postgresql").render_as_string(hide_password=True)
    return (f"PostgreSQL: run  pg_dump --format=custom --file={target} '{plain}'  "
            "(restore with pg_restore --clean --dbname=...); see docs/operations.md")
