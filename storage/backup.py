"""`db backup`: a consistent copy of a live SQLite database; for PostgreSQL, the pg_dump to run.

SQLite's online backup API copies a snapshot page by page while the bot keeps writing (WAL mode);
the copy is complete and consistent. PostgreSQL's own tool does the same for a server database, and
needs the server's client programs, so the command prints it ready to paste: the password comes from
PGPASSWORD or ~/.pgpass, never from the command line (where `ps` would show it).
"""

from __future__ import annotations

import asyncio
import shlex
import sqlite3
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from storage.db import Database


def _sqlite_copy(source: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(str(partial))
    try:
        src.backup(dst)  # SQLite's online backup API: a consistent snapshot while the bot writes
    finally:
        dst.close()
        src.close()
    partial.replace(target)  # a half-written copy never carries the target's name


def pg_commands(url: str, target: Path) -> tuple[str, str]:
    """The pg_dump and pg_restore command lines for this database (no password in them)."""
    u = make_url(url)
    plain = URL.create("postgresql", username=u.username, host=u.host, port=u.port, database=u.database,
                       query=u.query).render_as_string(hide_password=False)
    dump = f"pg_dump --format=custom --file={shlex.quote(str(target))} {shlex.quote(plain)}"
    restore = f"pg_restore --clean --if-exists --no-owner --dbname={shlex.quote(plain)} {shlex.quote(str(target))}"
    return dump, restore


async def backup(db: Database, target: Path) -> str:
    """Write the copy (SQLite) or explain the dump command (PostgreSQL); returns what was done."""
    url = make_url(db.url)
    if url.get_backend_name() == "sqlite":
        await asyncio.to_thread(_sqlite_copy, url.database, target)
        return f"wrote a consistent copy of {url.database} to {target}"
    dump, restore = pg_commands(db.url, target)
    return ("PostgreSQL is backed up with its own tool. Run (the password from PGPASSWORD or ~/.pgpass):\n"
            f"  {dump}\n"
            "and to restore that file into an empty or existing database:\n"
            f"  {restore}\n"
            "See docs/operations.md.")
