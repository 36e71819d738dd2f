"""`db backup`: SQLite gets a consistent copy even while the bot writes; PostgreSQL gets a pg_dump command that
works as printed, and whose dump pg_restore can read."""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot import inbox
from bot.config import Settings
from bot.runtime import Runtime
from storage.backup import backup
from storage.db import Database
from tests.support.processes import truncate


def _payload(i: int) -> dict:
    return {"update_id": i, "message": {"message_id": i, "date": 0, "text": f"消息 {i}",
                                        "chat": {"id": 9, "type": "private"}, "from": {"id": 9, "is_bot": False,
                                                                                       "first_name": "x"}}}


@pytest.fixture
async def sqlite_rt(sqlite_template: Path, tmp_path: Path, clock):  # noqa: ANN001
    shutil.copy(sqlite_template, tmp_path / "bot.db")
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    rt = Runtime(settings=Settings(_env_file=None, database_url=url), db=Database(url), clock=clock)
    yield rt
    await rt.db.dispose()


@pytest.fixture
async def postgresql_rt(pg_migrated: str, clock):  # noqa: ANN001
    await truncate(pg_migrated)
    rt = Runtime(settings=Settings(_env_file=None, database_url=pg_migrated), db=Database(pg_migrated), clock=clock)
    yield rt
    await rt.db.dispose()
    await truncate(pg_migrated)


async def test_sqlite_backup_is_a_consistent_copy_while_the_bot_writes(sqlite_rt, tmp_path: Path):
    rt = sqlite_rt
    for i in range(1, 51):
        await inbox.receive(rt, [_payload(i)])
    stop = asyncio.Event()

    async def writer() -> int:
        i = 1000
        while not stop.is_set():
            await inbox.receive(rt, [_payload(i), _payload(i + 1)])  # two rows per transaction
            i += 2
            await asyncio.sleep(0)
        return i

    task = asyncio.create_task(writer())
    target = tmp_path / "backups" / "copy.db"
    message = await backup(rt.db, target)
    stop.set()
    last = await task
    assert str(target) in message and not target.with_name("copy.db.partial").exists()
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = [r[0] for r in conn.execute("SELECT update_id FROM inbox ORDER BY update_id")]
    assert ids[:50] == list(range(1, 51)) and len(ids) <= 50 + last - 1000
    assert (len(ids) - 50) % 2 == 0  # never half of a transaction


async def test_postgresql_backup_prints_a_pg_dump_that_works_as_printed(postgresql_rt, tmp_path: Path):
    rt = postgresql_rt
    await inbox.receive(rt, [_payload(1)])
    target = tmp_path / "bot.dump"
    message = await backup(rt.db, target)
    url = make_url(rt.db.url)
    assert f":{url.password}@" not in message  # no password on a command line
    dump = next(line.strip() for line in message.splitlines() if line.strip().startswith("pg_dump"))
    restore = next(line.strip() for line in message.splitlines() if line.strip().startswith("pg_restore"))
    assert "--format=custom" in dump and str(target) in restore
    if not shutil.which("pg_dump"):
        if os.environ.get("CI"):
            pytest.fail("pg_dump is not installed in CI")
        pytest.skip("pg_dump is not installed here")
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    subprocess.run(shlex.split(dump), env=env, check=True, capture_output=True, timeout=60)
    listing = subprocess.run(["pg_restore", "--list", str(target)], check=True, capture_output=True, text=True).stdout
    assert "TABLE public inbox" in listing and "TABLE public activities" in listing
