"""One scheduler per deployment: of two `scheduler` processes only one acts; kill -9 it and the other takes over
within seconds. The lock itself: a file lock beside SQLite, a session advisory lock on PostgreSQL."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import text

from bot.leader import FileLeader, PgLeader, leader_for
from services.outbox import enqueue
from storage.db import Database
from tests.support.botapi import BotApiServer
from tests.support.processes import BotProcess, bot_env, prepared_db

TOKEN = "123456:scheduler-test-token"
LEADS = r"scheduler lock taken by [^:]+:(\d+)"


async def test_a_file_lock_has_one_holder_until_it_is_released(tmp_path):
    first, second = FileLeader(tmp_path / "bot.db.scheduler.lock"), FileLeader(tmp_path / "bot.db.scheduler.lock")
    assert await first.try_acquire() and await first.alive()
    assert not await second.try_acquire()
    await first.release()
    assert await second.try_acquire()
    await second.release()


async def test_sqlite_and_postgresql_get_their_own_kind_of_lock(tmp_path):
    assert isinstance(leader_for(Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")), FileLeader)
    pg = Database("postgresql+asyncpg://u:p@127.0.0.1:1/x")
    assert isinstance(leader_for(pg), PgLeader)
    await pg.dispose()


async def test_postgresql_advisory_lock_is_freed_when_the_holders_connection_dies(pg_migrated):
    db_a, db_b, admin = Database(pg_migrated), Database(pg_migrated), Database(pg_migrated)
    a, b = PgLeader(db_a), PgLeader(db_b)
    try:
        assert await a.try_acquire()
        assert not await b.try_acquire()
        pid = await a.conn.scalar(text("SELECT pg_backend_pid()"))
        async with admin.engine.connect() as conn:  # the leader's connection dies as with kill -9 or a network cut
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert not await a.alive()
        assert await b.try_acquire() and await b.alive()
    finally:
        for leader in (a, b):
            await leader.release()
        for db in (db_a, db_b, admin):
            await db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def server_db(request: pytest.FixtureRequest) -> str | None:
    return None if request.param == "sqlite" else request.getfixturevalue("pg_migrated")


async def _queue(url: str, key: str, chat_id: int, text_: str) -> None:
    from datetime import datetime, timezone

    db = Database(url)
    async with db.begin() as s:
        await enqueue(s, now=datetime.now(timezone.utc), dedupe_key=key, chat_id=chat_id, text=text_)
    await db.dispose()


async def _marked_sent(url: str, key: str, timeout: float = 10.0) -> None:
    from sqlalchemy import select

    from storage.models import OutboxMessage

    db = Database(url)
    try:
        for _ in range(int(timeout / 0.05)):
            async with db.begin() as s:
                if await s.scalar(select(OutboxMessage.state).where(OutboxMessage.dedupe_key == key)) == "sent":
                    return
            await asyncio.sleep(0.05)
    finally:
        await db.dispose()
    raise AssertionError(f"{key} was never marked sent")


async def test_two_schedulers_one_acts_and_the_other_takes_over_after_kill_9(tmp_path, server_db):
    url = await prepared_db(server_db, tmp_path, roster=False)
    async with BotApiServer(token=TOKEN) as api:
        env = bot_env(api.base_url, url, tmp_path, TOKEN, LEADER_RETRY="0.5", OUTBOX_INTERVAL="0.2")
        procs = [await BotProcess.start("scheduler", env=env) for _ in range(2)]
        try:
            await asyncio.gather(*(p.wait_line(r"scheduler lock taken|standby") for p in procs))
            await asyncio.sleep(1.0)  # several retries of the standby: still only one leader
            leading = [p for p in procs if re.search(LEADS, p.output)]
            assert len(leading) == 1, [p.output for p in procs]
            leader, standby = leading[0], next(p for p in procs if p is not leading[0])
            assert "standby" in standby.output
            assert int(re.search(LEADS, leader.output).group(1)) == leader.proc.pid
            await _queue(url, "first", 501, "第一条通知")
            await api.wait_for(lambda a: a.texts(501) == ["第一条通知"], timeout=10)
            await _marked_sent(url, "first")  # else the kill may land between send and mark: one duplicate, by design
            leader.kill()
            await leader.ended()
            await _queue(url, "second", 502, "第二条通知")
            await standby.wait_line(LEADS, timeout=10)
            await api.wait_for(lambda a: a.texts(502) == ["第二条通知"], timeout=10)
        finally:
            statuses = [await p.stop() for p in procs]
    assert statuses[procs.index(standby)] == 0, standby.output
    assert api.duplicates() == {} and api.texts() == ["第一条通知", "第二条通知"]


async def test_run_takes_the_same_lock_so_a_scheduler_beside_it_stands_by(tmp_path):
    url = await prepared_db(None, tmp_path, roster=False)
    async with BotApiServer(token=TOKEN) as api:
        env = bot_env(api.base_url, url, tmp_path, TOKEN, LEADER_RETRY="0.5", OUTBOX_INTERVAL="0.2")
        run = await BotProcess.start("run", env=env)
        try:
            await run.wait_line(LEADS)
            scheduler = await BotProcess.start("scheduler", env=env)
            try:
                await scheduler.wait_line("standby")
                await _queue(url, "only", 503, "只发一次")
                await api.wait_for(lambda a: a.texts(503) == ["只发一次"], timeout=10)
                assert not re.search(LEADS, scheduler.output)
            finally:
                assert await scheduler.stop() == 0, scheduler.output
        finally:
            assert await run.stop() == 0, run.output
    assert api.texts() == ["只发一次"]


async def test_scheduler_without_a_token_refuses_to_start(tmp_path):
    env = bot_env("http://127.0.0.1:1", f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", tmp_path, TOKEN)
    env.pop("BOT_TOKEN")
    proc = await BotProcess.start("scheduler", env=env)
    assert await asyncio.wait_for(proc.ended(), 20) == 2 and "BOT_TOKEN" in proc.output
