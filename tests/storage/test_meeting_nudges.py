"""The daily job bodies with a moved clock: minutes asked at the end and nudged each working day until they
arrive; from 1 November, a weekly warning to the organisers of bodies behind their yearly minimum."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.meeting_jobs import compliance_job, minutes_job, sweep_job
from services import meeting_minutes
from services.people import bind_by_phone
from storage.models import OutboxMessage
from tests.conftest import TZ
from tests.storage.test_reminder_sweep import START, _actor, county, queued, schedule  # noqa: F401 (fixture)
from tests.support.factories import COORDINATOR, TOWN_STAFF


async def test_minutes_are_asked_after_the_end_then_nudged_on_working_days_until_they_arrive(county, clock):
    rt = county
    mid = await schedule(rt)
    clock.set(START + timedelta(hours=1, minutes=59))
    await sweep_job(rt)
    assert await queued(rt, "mina:") == []  # not over yet
    clock.set(START + timedelta(hours=2, seconds=5))
    await sweep_job(rt)
    await sweep_job(rt)
    [ask] = await queued(rt, "mina:")
    assert ask.chat_id == 701 and "纪要" in ask.payload["text"] and f"mn1:min:{mid}" in str(ask.payload["reply_markup"])
    for day, expected in ((3, 1), (3, 1), (4, 2), (5, 2)):  # Thu, again on Thu, Fri, Sat (a day off)
        clock.set(datetime(2026, 12, day, 9, 0, tzinfo=TZ))
        await minutes_job(rt)
        assert len(await queued(rt, "minn:")) == expected, day
    async with rt.db.begin() as s:
        coord = await _actor(s, COORDINATOR)
        await meeting_minutes.open_minutes(s, coord, mid, now=rt.clock())
        await meeting_minutes.add_minutes_text(s, coord, "纪要", now=rt.clock())
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=TZ))
    await minutes_job(rt)
    assert len(await queued(rt, "minn:")) == 2


async def test_bodies_behind_their_minimum_are_warned_weekly_from_november(county, clock):
    rt = county
    async with rt.db.begin() as s:
        await bind_by_phone(s, now=rt.clock(), today=rt.clock().date(), tg_user_id=711, phone=TOWN_STAFF,
                            language_code="zh-hans")
    clock.set(datetime(2026, 10, 30, 9, 0, tzinfo=TZ))
    assert await compliance_job(rt) == 0  # not yet November
    clock.set(datetime(2026, 11, 1, 9, 0, tzinfo=TZ))
    assert await compliance_job(rt) == 0  # a Sunday: nothing that can wait goes out on a day off
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=TZ))
    assert await compliance_job(rt) == 2
    assert await compliance_job(rt) == 0  # once a week
    clock.set(datetime(2026, 11, 3, 9, 0, tzinfo=TZ))
    assert await compliance_job(rt) == 0
    warnings = {r.chat_id: r.payload["text"] for r in await queued(rt, "cw:")}
    assert set(warnings) == {701, 711}  # the coordinator (county bodies) and the town's school staff; not the leader
    assert "安吉县领导小组：已开 0 次，至少 1 次" in warnings[701] and "安吉县办公室" in warnings[701]
    assert "递铺街道校务委员会" in warnings[711] and "古城村教务委员会" in warnings[711]
    assert "孝丰镇" not in warnings[711] and "8 周" in warnings[711]
    clock.set(datetime(2026, 11, 7, 9, 0, tzinfo=TZ))
    mid = await schedule(rt, "11月9日上午9点 领导小组会议")
    clock.set(datetime(2026, 11, 9, 12, 0, tzinfo=TZ))
    async with rt.db.begin() as s:
        coord = await _actor(s, COORDINATOR)
        await meeting_minutes.open_minutes(s, coord, mid, now=rt.clock())
        await meeting_minutes.add_minutes_file(s, coord, kind="photo", file_id="f", unique_id="u", path=None,
                                               now=rt.clock())
    assert await compliance_job(rt) == 2
    async with rt.db.begin() as s:
        latest = await s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key.like("cw:2026-W46:%"),
                                                            OutboxMessage.chat_id == 701))
    assert latest is not None and "领导小组" not in latest.payload["text"] and "办公室" in latest.payload["text"]
