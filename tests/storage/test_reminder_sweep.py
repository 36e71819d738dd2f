"""The reminder sweep on SQLite and PostgreSQL, with an injected clock (never sleeping): due, late after
downtime, too late, rescheduled, cancelled, declined, two sweeps racing, a crash between sending and
marking, and recurring meetings across month and year ends."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot import outbox_sender
from services import meeting_attendance, meetings, reminders
from services.people import actor_for_person, bind_by_phone
from storage.models import Meeting, MeetingAttendee, MeetingReminder, OutboxMessage, Person
from tests.conftest import TZ
from tests.support.factories import COORDINATOR, LEADER, load_roster

OFFSETS = (timedelta(days=1), timedelta(hours=1))
START = datetime(2026, 12, 2, 15, 0, tzinfo=TZ)  # 下周三下午3点, seen from the clock's 2026-11-24 10:00
USERS = {COORDINATOR: 701, LEADER: 703}


@pytest.fixture
async def county(rt):
    """The sample roster with the leadership group's two members signed in."""
    await load_roster(rt)
    async with rt.db.begin() as s:
        for phone, user in USERS.items():
            await bind_by_phone(s, now=rt.clock(), today=rt.clock().date(), tg_user_id=user, phone=phone,
                                language_code="zh-hans")
    return rt


async def _actor(s, phone: str):
    pid = await s.scalar(select(Person.id).where(Person.phone == phone))
    return await actor_for_person(s, pid, datetime(2026, 11, 24).date())


async def schedule(rt, text: str = "下周三下午3点 领导小组会议 地点：三楼会议室") -> int:
    async with rt.db.begin() as s:
        actor = await _actor(s, COORDINATOR)
        form = await meetings.start_meeting(s, actor, text, now=rt.clock(), tz=TZ)
        return (await meetings.confirm_meeting(s, actor, form.version, now=rt.clock(), tz=TZ)).id


async def sweep(rt, offsets=OFFSETS) -> reminders.SweepResult:
    async with rt.db.begin() as s:
        return await reminders.sweep(s, now=rt.clock(), offsets=offsets, tz=TZ, interval=30)


async def queued(rt, prefix: str = "rem:") -> list[OutboxMessage]:
    async with rt.db.begin() as s:
        return list(await s.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.like(f"{prefix}%"))
                                    .order_by(OutboxMessage.id)))


async def waves(rt) -> list[MeetingReminder]:
    async with rt.db.begin() as s:
        return list(await s.scalars(select(MeetingReminder).order_by(MeetingReminder.offset_s.desc())))


async def test_a_due_reminder_is_queued_once_for_each_attendee(county, clock):
    rt = county
    await schedule(rt)
    clock.set(START - timedelta(days=1, seconds=30))
    assert (await sweep(rt)).messages == 0
    clock.set(START - timedelta(days=1) + timedelta(seconds=10))
    assert (await sweep(rt)).messages == 2
    assert (await sweep(rt)).messages == 0  # the next sweep finds the wave already done
    rows = await queued(rt)
    assert sorted(r.chat_id for r in rows) == [701, 703]
    assert all("会议提醒" in r.payload["text"] and "补发" not in r.payload["text"] for r in rows)
    [wave] = await waves(rt)
    assert (wave.offset_s, wave.late, wave.recipients) == (86400, False, 2)
    clock.set(START - timedelta(minutes=59))
    assert (await sweep(rt)).messages == 2  # the 1-hour reminder, with the check-in button
    assert "mt1:in:" in str((await queued(rt))[-1].payload["reply_markup"])


async def test_after_downtime_only_the_nearest_reminder_goes_out_marked_late(county, clock):
    rt = county
    await schedule(rt)
    clock.set(START - timedelta(minutes=30))  # down from before the 1-day mark until half an hour before
    assert (await sweep(rt)).messages == 2
    rows = await queued(rt)
    assert all("补发" in r.payload["text"] for r in rows)
    day, hour = await waves(rt)
    assert (day.offset_s, day.recipients) == (86400, 0)  # superseded, never sent later
    assert (hour.offset_s, hour.late, hour.recipients) == (3600, True, 2)
    assert (await sweep(rt)).messages == 0


async def test_a_meeting_that_has_started_gets_no_reminder(county, clock):
    rt = county
    await schedule(rt)
    clock.set(START + timedelta(minutes=1))
    assert (await sweep(rt)).messages == 0
    assert await queued(rt) == [] and await waves(rt) == []


async def test_rescheduling_withdraws_queued_reminders_and_reminds_for_the_new_time(county, clock):
    rt = county
    mid = await schedule(rt)
    clock.set(START - timedelta(hours=23))
    await sweep(rt)
    assert {r.state for r in await queued(rt)} == {"pending"}
    async with rt.db.begin() as s:
        actor = await _actor(s, COORDINATOR)
        form = await meetings.edit_meeting(s, actor, mid, now=rt.clock(), tz=TZ)
        form = await meetings.answer_meeting(s, actor, "12月3日下午3点", now=rt.clock(), tz=TZ)
        await meetings.confirm_meeting(s, actor, form.version, now=rt.clock(), tz=TZ)
    assert {r.state for r in await queued(rt)} == {"cancelled"}
    assert (await sweep(rt)).messages == 0  # the new time's 1-day mark has not come
    clock.set(START + timedelta(days=1) - timedelta(hours=23))
    assert (await sweep(rt)).messages == 2
    new = [r for r in await queued(rt) if r.state == "pending"]
    assert len(new) == 2 and all(r.dedupe_key.startswith(f"rem:{mid}:2:") for r in new)
    assert all("12月3日" in r.payload["text"] for r in new)


async def test_a_cancelled_meeting_is_not_reminded_and_its_queue_is_withdrawn(county, clock):
    rt = county
    mid = await schedule(rt)
    clock.set(START - timedelta(hours=23))
    await sweep(rt)
    async with rt.db.begin() as s:
        await meeting_attendance.cancel_meeting(s, await _actor(s, COORDINATOR), mid, 1, now=rt.clock(), tz=TZ)
    assert {r.state for r in await queued(rt)} == {"cancelled"}
    clock.set(START - timedelta(minutes=59))
    assert (await sweep(rt)).messages == 0
    assert [r.chat_id for r in await queued(rt, "mcx:")] == [703]  # the leader is told; the organiser cancelled it


async def test_an_attendee_who_declined_gets_no_reminder(county, clock):
    rt = county
    mid = await schedule(rt)
    async with rt.db.begin() as s:
        await meeting_attendance.answer_invitation(s, await _actor(s, LEADER), mid, 1, "no", now=rt.clock())
    clock.set(START - timedelta(hours=1))
    assert (await sweep(rt)).messages == 1
    assert [r.chat_id for r in await queued(rt)] == [701]


async def test_two_sweeps_racing_in_two_transactions_send_once(county, clock):
    rt = county
    await schedule(rt)
    clock.set(START - timedelta(hours=1))
    results = await asyncio.gather(sweep(rt), sweep(rt))
    assert sorted(r.messages for r in results) == [0, 2] and sorted(r.waves for r in results) == [0, 1]
    assert len(await queued(rt)) == 2 and len(await waves(rt)) == 2


async def test_a_crash_between_sending_and_marking_sends_at_most_one_duplicate(county, clock, app, api, monkeypatch):
    """The outbox sender marks a row sent right after Telegram accepts it; a process killed in between leaves
    the row claimed, and the restarted sender sends it once more: one duplicate at most, never a loss."""
    rt = county
    await schedule(rt)
    async with rt.db.begin() as s:
        await s.execute(OutboxMessage.__table__.update().values(state="sent"))  # the invitations went out earlier
    clock.set(START - timedelta(hours=1))
    await sweep(rt)

    class Killed(BaseException):
        """The process dies: nothing after this line runs."""

    async def killed_before_marking(self, row):  # noqa: ANN001
        raise Killed()

    monkeypatch.setattr(outbox_sender.Sender, "_sent", killed_before_marking)
    with pytest.raises(Killed):
        await outbox_sender.drain(app, rt)
    monkeypatch.undo()  # the process starts again
    restarted = outbox_sender.Sender(app, rt)
    assert await restarted.recover() == 1
    await restarted.drain()
    await restarted.drain()
    reminded = Counter(c.params["chat_id"] for c in api.sent() if "会议提醒" in c.params.get("text", ""))
    assert sorted(reminded.values()) == [1, 2] and set(reminded) == {701, 703}
    assert {r.state for r in await queued(rt)} == {"sent"}


@pytest.mark.parametrize("text, first, then", [
    ("每月最后一天上午9点 领导小组例会", datetime(2026, 11, 30, 9, 0), [datetime(2026, 12, 31, 9, 0), datetime(2027, 1, 31, 9, 0)]),
    ("每周一上午9点 领导小组例会", datetime(2026, 11, 30, 9, 0), [datetime(2026, 12, 7, 9, 0), datetime(2026, 12, 14, 9, 0)]),
    ("每季度第一个月10号上午9点 领导小组例会", datetime(2027, 1, 10, 9, 0), [datetime(2027, 4, 10, 9, 0)]),
])
async def test_a_series_gets_its_next_occurrence_once_across_month_and_year_ends(county, clock, text, first, then):
    rt = county
    mid = await schedule(rt, text)
    async with rt.db.begin() as s:
        assert (await s.get(Meeting, mid)).starts_at == first.replace(tzinfo=TZ)
    starts = [first]
    for step in then:
        clock.set(starts[-1].replace(tzinfo=TZ) + timedelta(seconds=30))
        results = await asyncio.gather(sweep(rt), sweep(rt))
        assert sum(r.occurrences for r in results) == 1
        starts.append(step)
    async with rt.db.begin() as s:
        rows = list(await s.scalars(select(Meeting).order_by(Meeting.starts_at)))
        attendees = await s.scalar(select(MeetingAttendee.person_id).where(MeetingAttendee.meeting_id == rows[-1].id).limit(1))
    assert [r.starts_at.astimezone(TZ).replace(tzinfo=None) for r in rows] == starts
    assert {r.series_id for r in rows} == {mid} and attendees is not None
    assert sorted(r.chat_id for r in await queued(rt, f"inv:{rows[-1].id}:")) == [701, 703]  # invited to the new one
