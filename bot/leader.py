"""One scheduler per deployment: leadership is a lock that dies with the process holding it.

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a dedicated connection kept
for the life of the process; if the process dies its connection closes and the lock is free at once.
SQLite: an exclusive lock on a file beside the database (`bot.db.scheduler.lock`, fcntl/msvcrt),
which the operating system releases when the process dies. A standby tries again every
`LEADER_RETRY` seconds (default 5), so it takes over within seconds of the leader's death.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database

log = logging.getLogger(__name__)
LOCK_KEYS = (0x63656274, 1)  # ("cebt", 1): the two-key space, apart from the inbox's per-person locks


def holder() -> str:
    """host:pid of this process, written where operators can see who leads."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Leader(Protocol):
    async def try_acquire(self) -> bool: ...

    async def alive(self) -> bool: ...

    async def release(self) -> None: ...


class PgLeader:
    """PostgreSQL session advisory lock on a connection of its own (autocommit, never returned to the pool)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn: AsyncConnection | None = None
        self.held = False

    async def try_acquire(self) -> bool:
        try:
            if self.conn is None:
                conn = await self.db.engine.connect()
                self.conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            self.held = bool(await self.conn.scalar(text("SELECT pg_try_advisory_lock(:a, :b)"),
                                                    {"a": LOCK_KEYS[0], "b": LOCK_KEYS[1]}))
        except Exception as exc:  # noqa: BLE001 - database away: not leading, try again later
            log.warning("scheduler lock: database not reachable (%s)", exc)
            await self._drop()
        return self.held

    async def alive(self) -> bool:
        if not self.held or self.conn is None:
            return False
        try:
            await self.conn.scalar(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - the connection (and with it the lock) is gone
            await self._drop()
            return False
        return True

    async def _drop(self) -> None:
        conn, self.conn, self.held = self.conn, None, False
        if conn is not None:
            try:
                await conn.invalidate()
                await conn.close()
            except Exception:  # noqa: BLE001 - already broken
                pass

    async def release(self) -> None:
        if self.conn is not None and self.held:
            try:
                await self.conn.scalar(text("SELECT pg_advisory_unlock(:a, :b)"),
                                       {"a": LOCK_KEYS[0], "b": LOCK_KEYS[1]})
            except Exception:  # noqa: BLE001 - closing the connection frees it anyway
                pass
        conn, self.conn, self.held = self.conn, None, False
        if conn is not None:
            await conn.close()


class FileLeader:
    """An exclusive, non-blocking OS lock on a file; the kernel drops it with the process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    async def try_acquire(self) -> bool:
        if self.fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock_fd(fd)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{holder()}\n".encode())
        self.fd = fd
        return True

    async def alive(self) -> bool:
        return self.fd is not None

    async def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the lock; the file stays for the next holder


class AlwaysLeader:
    """An in-memory SQLite database belongs to this process alone."""

    async def try_acquire(self) -> bool:
        return True

    async def alive(self) -> bool:
        return True

    async def release(self) -> None:
        return None


def _lock_fd(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def leader_for(db: Database) -> Leader:
    """The right lock for this database."""
    if db.dialect == "postgresql":
        return PgLeader(db)
    path = make_url(db.url).database
    if not path or path == ":memory:":
        return AlwaysLeader()
    return FileLeader(Path(path + ".scheduler.lock"))


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass


async def wait_to_lead(leader: Leader, stop: asyncio.Event, retry: float) -> bool:
    """Try now and every `retry` seconds; True once leading, False if stopped first."""
    told = False
    while not stop.is_set():
        if await leader.try_acquire():
            log.info("scheduler lock taken by %s: this process runs the jobs and the outbox sender", holder())
            return True
        if not told:
            log.info("standby: another scheduler holds the lock; trying again every %g s", retry)
            told = True
        await _pause(stop, retry)
    return False


async def watch(leader: Leader, stop: asyncio.Event, retry: float) -> bool:
    """Check the lock every `retry` seconds; returns False as soon as it is lost, True when stopped."""
    while not stop.is_set():
        await _pause(stop, retry)
        if not stop.is_set() and not await leader.alive():
            log.error("scheduler lock lost (database connection closed); stopping so a standby can take over")
            return False
    return True
