"""Nudges: a liaison whose village logged nothing for 14 days gets one private reminder a week at most,
never on public holidays or weekends, never into a group."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from bot.digest_jobs import nudge_job
from storage.models import Activity, ChatAccount, OutboxMessage, Person, Unit
from tests.support.factories import LIAISON, LIAISON2, OTHER_TOWN_LIAISON, load_roster

USERS = {LIAISON: 601, LIAISON2: 602, OTHER_TOWN_LIAISON: 603}


@pytest.fixture
async def liaisons(rt, clock):
    clock.set(datetime(2026, 9, 1, 8, tzinfo=rt.settings.tz))
    await load_roster(rt)
    async with rt.db.begin() as s:
        for phone, uid in USERS.items():
            pid = await s.scalar(select(Person.id).where(Person.phone == phone))
            s.add(ChatAccount(tg_user_id=uid, person_id=pid, language_code="en" if uid == 603 else "zh-hans", bound_at=clock()))
    return USERS


async def _log(rt, code: str, day: date, logged: datetime) -> None:
    async with rt.db.begin() as s:
        unit = await s.scalar(select(Unit.id).where(Unit.code == code))
        person = await s.scalar(select(Person.id).where(Person.unit_id == unit))
        s.add(Activity(unit_id=unit, reporter_id=person, occurred_on=day, title="讲座", category="其他", target_groups=[],
                       participants=10, minors=0, minutes=60, created_at=logged, updated_at=logged))


async def _nudged(rt) -> list[tuple[int, str]]:
    async with rt.db.begin() as s:
        return [(m.chat_id, m.payload["text"]) for m in await s.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like("nudge:%")).order_by(OutboxMessage.id))]


def _at(rt, y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 9, 30, tzinfo=rt.settings.tz)


async def test_quiet_villages_get_one_gentle_private_reminder_a_week(rt, clock, liaisons):
    await _log(rt, "T1V2", date(2026, 9, 10), _at(rt, 2026, 9, 10))  # 鲁家村 logged 5 days ago
    clock.set(_at(rt, 2026, 9, 15))  # a Tuesday
    assert await nudge_job(rt) == 2
    sent = await _nudged(rt)
    assert [chat for chat, _ in sent] == [601, 603]  # private chats only (positive ids), not 鲁家村's liaison
    assert "古城村近 14 天还没有登记活动" in sent[0][1] and "/log" in sent[0][1]
    assert sent[1][1].startswith("Hello ") and "横溪坞村" in sent[1][1]  # in the liaison's own language
    clock.set(_at(rt, 2026, 9, 18))
    assert await nudge_job(rt) == 0  # same week: nothing more
    clock.set(_at(rt, 2026, 9, 21))
    assert await nudge_job(rt) == 2  # a new week, still quiet


async def test_no_reminders_on_holidays_or_weekends(rt, clock, liaisons):
    for day in (date(2026, 10, 1), date(2026, 10, 5), date(2026, 9, 19)):  # National Day, its week, a Saturday
        clock.set(_at(rt, day.year, day.month, day.day))
        assert await nudge_job(rt) == 0, day
    clock.set(_at(rt, 2026, 10, 10))  # the Saturday made a workday (调休)
    assert await nudge_job(rt) == 3


async def test_a_late_entry_logged_recently_counts_as_activity(rt, clock, liaisons):
    await _log(rt, "T1V1", date(2026, 8, 20), _at(rt, 2026, 9, 14))  # dated a month ago, logged yesterday
    clock.set(_at(rt, 2026, 9, 15))
    await nudge_job(rt)
    assert 601 not in [chat for chat, _ in await _nudged(rt)]


async def test_unreachable_and_new_liaisons_are_left_alone(rt, clock, liaisons):
    async with rt.db.begin() as s:
        account = await s.scalar(select(ChatAccount).where(ChatAccount.tg_user_id == 603))
        account.unreachable_at = clock()
    clock.set(_at(rt, 2026, 9, 8))  # the roster's units are only a week old: nobody is quiet yet
    assert await nudge_job(rt) == 0
    clock.set(_at(rt, 2026, 9, 15))
    assert await nudge_job(rt) == 2  # 古城村 and 鲁家村; 横溪坞村's liaison cannot be reached
    assert sorted(chat for chat, _ in await _nudged(rt)) == [601, 602]
