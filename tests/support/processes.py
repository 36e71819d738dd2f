"""Running `python -m bot <command>` as a real process in tests: environment, output capture, kill -9."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from pathlib import Path

from sqlalchemy import text

from bot.config import Settings, normalise_db_url
from bot.runtime import Runtime
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Base
from tests.support.factories import load_roster

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def truncate(url: str) -> None:
    """Empty every table of a PostgreSQL test database."""
    db = Database(url)
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    async with db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await db.dispose()


async def prepared_db(url_or_none: str | None, tmp_path: Path, *, roster: bool = True) -> str:
    """A migrated database with the sample roster: a fresh SQLite file, or the (emptied) PostgreSQL one."""
    if url_or_none is None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        await upgrade(url)
    else:
        url = normalise_db_url(url_or_none)
        await truncate(url)
    if roster:
        rt = Runtime(settings=Settings(_env_file=None, database_url=url), db=Database(url))
        await load_roster(rt)
        await rt.db.dispose()
    return url


def bot_env(api_url: str, db_url: str, tmp_path: Path, token: str, **extra: str) -> dict[str, str]:
    """The environment of a bot process: only what the test sets, plus the system's own variables."""
    keep = ("BOT_", "TELEGRAM_", "DATABASE_", "WEBHOOK_", "REDIS_", "OUTBOX_", "THROTTLE_", "LEADER_", "LOG_LEVEL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(keep)}
    env.update(BOT_TOKEN=token, TELEGRAM_API_URL=api_url, DATABASE_URL=db_url, DATA_DIR=str(tmp_path / "files"),
               POLL_TIMEOUT="1", PYTHONUNBUFFERED="1", **extra)
    return env


class BotProcess:
    """One `python -m bot …` process whose output is read as it comes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, *args: str, env: dict[str, str]) -> BotProcess:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", *args, cwd=str(ROOT), env=env,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        return cls(proc)

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            self.lines.append(line.decode(errors="replace"))
            self._changed.set()
        self._changed.set()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    async def wait_line(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        """Wait until a line of output matches `pattern`; fails with the output so far."""
        regex = re.compile(pattern)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for line in self.lines:
                if m := regex.search(line):
                    return m
            if self._reader.done():
                raise AssertionError(f"process ended without {pattern!r}:\n{self.output}")
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"no line {pattern!r} within {timeout}s:\n{self.output}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    def kill(self) -> None:
        """kill -9: no shutdown code runs."""
        if self.proc.returncode is None:
            self.proc.kill()

    async def stop(self, timeout: float = 20.0) -> int:
        """Ctrl-C, then wait; returns the exit status."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(self.proc.wait(), timeout)
        except asyncio.TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        await asyncio.wait_for(self._reader, 5)
        return self.proc.returncode

    async def ended(self) -> int:
        await self.proc.wait()
        await asyncio.wait_for(self._reader, 5)
        return self.proc.returncode
