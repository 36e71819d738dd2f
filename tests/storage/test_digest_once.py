"""The weekly digest goes out exactly once per (binding, week): job run twice, restarts after downtime,
two schedulers racing, --force, bindings made after the send time, robots; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.digest_jobs import digest_job
from bot.runtime import Runtime
from services.digest import queue_due_digests
from services.digest_runs import send_week
from services.weeks import parse_week
from storage.db import Database
from storage.models import DigestBinding, DigestRun, OutboxMessage, Unit
from tests.support.factories import load_roster
from tests.support.sim import FakeClock

TZ_NOW = datetime(2026, 11, 20, 12, 0)  # a Friday; the next send time is Monday 23 Nov 08:00
GROUP = -100200


@pytest.fixture
async def bound(rt, clock):
    await load_roster(rt)
    clock.set(TZ_NOW.replace(tzinfo=rt.settings.tz))
    async with rt.db.begin() as s:
        county = await s.scalar(select(Unit.id).where(Unit.code == "X"))
        s.add(DigestBinding(unit_id=county, channel="telegram", chat_id=GROUP, active=True, created_at=clock()))
    return county


async def _runs(rt) -> list[tuple[str, int]]:
    async with rt.db.begin() as s:
        return [(r.week, r.attempt) for r in await s.scalars(select(DigestRun).order_by(DigestRun.id))]


async def _outbox(rt) -> list[OutboxMessage]:
    async with rt.db.begin() as s:
        return list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _monday(rt, clock: FakeClock, hour: int = 8, minute: int = 0, weeks: int = 0) -> None:
    clock.set(datetime(2026, 11, 23, hour, minute, tzinfo=rt.settings.tz) + timedelta(weeks=weeks))


async def test_nothing_before_the_send_time_then_once_at_it(rt, clock, bound):
    assert await digest_job(rt) == 0
    _monday(rt, clock, 7, 59)
    assert await digest_job(rt) == 0
    _monday(rt, clock)
    assert await digest_job(rt) == 1
    assert await digest_job(rt) == 0  # the job fired twice (cron and catch-up): still once
    clock.advance(hours=5)
    assert await digest_job(rt) == 0
    assert await _runs(rt) == [("2026-W47", 1)]
    rows = await _outbox(rt)
    assert [r.dedupe_key for r in rows] == ["digest:1:2026-W47:1:0", "digest:1:2026-W47:1:chart"]
    assert rows[0].chat_id == GROUP and "2026年第47周" in rows[0].payload["text"]
    photo = Path(rows[1].payload["photo_path"])
    assert rows[1].method == "sendPhoto" and photo.read_bytes().startswith(b"\x89PNG")
    assert photo.parent == rt.data_dir / "digest"


async def test_after_downtime_the_missed_digest_goes_out_once_when_back(rt, clock, bound):
    _monday(rt, clock, 8, 0)
    clock.advance(days=3, hours=2)  # the bot was down on Monday and comes back on Thursday
    assert await digest_job(rt) == 1
    assert await digest_job(rt) == 0  # and again after a restart
    _monday(rt, clock, 9, 0, weeks=2)  # down over the next Monday too: no week is skipped, oldest first
    assert await digest_job(rt) == 2
    assert await digest_job(rt) == 0
    assert await _runs(rt) == [("2026-W47", 1), ("2026-W48", 1), ("2026-W49", 1)]


async def test_two_schedulers_racing_queue_it_once(rt, clock, bound, settings):
    _monday(rt, clock)
    other = Runtime(settings=settings, db=Database(settings.database_url), clock=clock)
    try:
        results = await asyncio.gather(digest_job(rt), digest_job(other), digest_job(rt), digest_job(other))
    finally:
        await other.db.dispose()
    assert sorted(results) == [0, 0, 0, 1]
    assert await _runs(rt) == [("2026-W47", 1)]
    assert len(await _outbox(rt)) == 2


async def test_a_group_bound_after_the_send_time_waits_for_the_next_one(rt, clock, bound):
    _monday(rt, clock, 9)
    async with rt.db.begin() as s:
        s.add(DigestBinding(unit_id=bound, channel="telegram", chat_id=-555, active=True, created_at=clock()))
    assert await digest_job(rt) == 1  # only the group bound before Monday 08:00
    _monday(rt, clock, weeks=1)
    assert await digest_job(rt) == 2
    async with rt.db.begin() as s:
        chats = list(await s.scalars(select(OutboxMessage.chat_id).where(OutboxMessage.dedupe_key.like("%W48%:0"))))
    assert sorted(chats) == sorted([-555, GROUP])


async def test_inactive_bindings_get_nothing(rt, clock, bound):
    async with rt.db.begin() as s:
        (await s.scalar(select(DigestBinding))).active = False
    _monday(rt, clock)
    assert await digest_job(rt) == 0 and await _outbox(rt) == []


async def test_send_again_only_with_force_as_a_new_attempt(rt, clock, bound):
    _monday(rt, clock)
    await digest_job(rt)
    week = parse_week("2026-W47")
    async with rt.db.begin() as s:
        assert await send_week(s, week=week, force=False, now=clock(), tz=rt.settings.tz) == []
    async with rt.db.begin() as s:
        [queued] = await send_week(s, week=week, force=True, now=clock(), tz=rt.settings.tz)
    assert (queued.week, queued.attempt, queued.messages) == ("2026-W47", 2, 1)
    assert await _runs(rt) == [("2026-W47", 1), ("2026-W47", 2)]
    assert "digest:1:2026-W47:2:0" in [r.dedupe_key for r in await _outbox(rt)]


async def test_robot_bindings_queue_platform_payloads_without_the_secret(rt, clock, bound):
    async with rt.db.begin() as s:
        for channel, secret in (("wecom", None), ("dingtalk", "SECdingtalk"), ("feishu", "feishu-secret")):
            s.add(DigestBinding(unit_id=bound, channel=channel, webhook_url=f"https://example.invalid/{channel}",
                                secret=secret, active=True, created_at=clock()))
    _monday(rt, clock)
    async with rt.db.begin() as s:
        assert await queue_due_digests(s, now=clock(), tz=rt.settings.tz, cron=rt.settings.digest_cron,
                                       chart_dir=rt.data_dir / "digest") == 4
    robots = [r for r in await _outbox(rt) if r.channel != "telegram"]
    assert {(r.channel, r.target) for r in robots} == {(c, f"https://example.invalid/{c}") for c in ("wecom", "dingtalk", "feishu")}
    assert all("secret" not in str(r.payload).lower() for r in robots)
    kinds: dict[str, list[str]] = {}
    for r in robots:
        body = r.payload.get("body", {})
        kinds.setdefault(r.channel, []).append("photo" if "photo_path" in r.payload else body.get("msgtype") or body["msg_type"])
    assert kinds["wecom"] == ["markdown", "photo"] and kinds["dingtalk"] == ["markdown"] and kinds["feishu"] == ["interactive"]
    async with rt.db.begin() as s:
        assert await s.scalar(select(func.count()).select_from(DigestRun)) == 4


def test_the_scheduler_runs_the_digest_on_digest_cron_a_catch_up_and_daily_nudges(rt):
    from bot.jobs import schedule

    jobs = {j.name: j for j in schedule(rt)}
    assert jobs["digest"].cron == rt.settings.digest_cron == "0 8 * * mon"
    assert jobs["digest-catch-up"].interval and jobs["digest-catch-up"].interval <= 600
    assert jobs["digest"].body is jobs["digest-catch-up"].body is digest_job
    assert jobs["nudges"].cron
