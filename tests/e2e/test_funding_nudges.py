"""A review waiting more than 5 working days reminds its reviewer once a working day: Chinese public holidays are
skipped, official make-up workdays count. The job body is called directly with a moved clock."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.funding_jobs import jobs, nudge_job
from bot.outbox_sender import drain
from tests.conftest import TZ
from tests.support.funding import ONE_LINE, outbox, request, sign_in_all


@pytest.fixture
async def people(rt, app, person):
    return await sign_in_all(rt, person)


async def _reminders(rt) -> list[str]:  # noqa: ANN001
    return [q.key for q in await outbox(rt) if ":nudge:" in q.key]


async def _at(clock, rt, day: str) -> int:  # noqa: ANN001
    clock.set(datetime.fromisoformat(day + "T09:30").replace(tzinfo=TZ))
    return await nudge_job(rt)


async def test_make_up_workdays_count_and_holidays_are_skipped(rt, app, clock, person):
    """Submitted Mon 9 Feb 2026: Sat 14 Feb is a make-up workday (5th), 15–23 Feb are the Spring Festival."""
    clock.set(datetime(2026, 2, 9, 10, 0, tzinfo=TZ))
    people = await sign_in_all(rt, person)  # the roster's roles start before that day
    await people["liaison"].send(ONE_LINE)
    await people["liaison"].press("提交")
    assert await _at(clock, rt, "2026-02-13") == 0  # 4 working days
    assert await _at(clock, rt, "2026-02-14") == 0  # the make-up Saturday: 5, not more than 5
    assert await _at(clock, rt, "2026-02-16") == 0  # Spring Festival: no reminder
    assert await _at(clock, rt, "2026-02-24") == 1  # 6 working days: the first reminder, to the town's staff
    [key] = await _reminders(rt)
    assert key.startswith("fund:1:nudge:2026-02-24:")
    [reminder] = [q for q in await outbox(rt, 611) if ":nudge:" in q.key]
    assert "已等待您审核 6 个工作日" in reminder.text and "fq1:rec:1:1" in reminder.buttons
    assert (await request(rt)).last_nudged_on.isoformat() == "2026-02-24"


async def test_once_a_day_however_often_the_job_runs(rt, app, api, clock, people):
    await people["liaison"].send(ONE_LINE)  # Tue 24 Nov 2026
    await people["liaison"].press("提交")
    assert await _at(clock, rt, "2026-12-01") == 0  # 5 working days
    assert await _at(clock, rt, "2026-12-02") == 1
    assert await _at(clock, rt, "2026-12-02") == 0  # the scheduler fired twice: nothing more
    clock.advance(hours=8)
    assert await nudge_job(rt) == 0
    assert await _at(clock, rt, "2026-12-05") == 0  # Saturday
    assert await _at(clock, rt, "2026-12-07") == 1
    await drain(app, rt)
    assert sum("已等待您审核" in t for t in api.texts(611)) == 2


async def test_after_the_town_recommends_the_coordinators_are_reminded(rt, app, clock, people):
    await people["liaison"].send(ONE_LINE)
    await people["liaison"].press("提交")
    await drain(app, rt)
    await _at(clock, rt, "2026-11-30")
    await people["staff"].press("推荐")  # waiting starts again at the college
    assert await _at(clock, rt, "2026-12-07") == 0  # 5 working days at the college
    assert await _at(clock, rt, "2026-12-08") == 2  # both coordinators
    assert {q.chat_id for q in await outbox(rt) if ":nudge:2026-12-08:" in q.key} == {701, 702}


async def test_decided_requests_are_not_reminded(rt, app, clock, people):
    await people["staff"].send("/fund 书法班 800 笔墨")
    await people["staff"].press("提交")
    await drain(app, rt)
    await people["coord"].press("批准")
    assert await _at(clock, rt, "2026-12-10") == 0


def test_the_reminder_is_scheduled_daily(rt):
    [job] = jobs(rt)
    assert job.cron and job.name == "funding-nudge"
