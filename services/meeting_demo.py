"""Demo meetings for the demo county: some held this year with minutes, some coming up, a few bodies behind."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.bodies import active_members, bodies_in
from services.compliance import organisers_of
from services.meeting_notices import DEFAULT_LENGTH
from storage.models import Meeting, MeetingAttendee

PLACES = ("教育局三楼会议室", "社区学院报告厅", "镇社区学校会议室", "村委会会议室")
MINUTES = "一、通报上阶段社区教育工作；二、研究部署下阶段重点任务；三、明确分工和完成时限。"


def _meeting(body_id: int, organiser: int, title: str, start: datetime, place: str, now: datetime, held: bool) -> Meeting:
    return Meeting(body_id=body_id, organiser_id=organiser, title=title, starts_at=start, ends_at=start + DEFAULT_LENGTH,
                   place=place, agenda="工作总结与部署", state="held" if held else "scheduled", version=1,
                   minutes_text=MINUTES if held else None, minutes_at=start + DEFAULT_LENGTH if held else None,
                   created_at=min(now, start - timedelta(days=7)), updated_at=now)


async def demo_meetings(session: AsyncSession, *, now: datetime, tz: ZoneInfo, rng: random.Random) -> int:
    """Meetings for every demo body; returns how many were made."""
    today = now.astimezone(tz).date()
    made = 0
    for body in await bodies_in(session, None):
        members = await active_members(session, body.id)
        organisers = await organisers_of(session, body, today)
        if not organisers:
            continue
        organiser = organisers[0]
        title = f"{body.name}会议"
        for _ in range(rng.randint(max(0, body.min_per_year - 2), body.min_per_year)):
            day = today - timedelta(days=rng.randint(3, 320))
            if day.year != today.year:
                continue
            start = datetime.combine(day, time(rng.choice((9, 14, 15))), tzinfo=tz)
            session.add(row := _meeting(body.id, organiser, title, start, rng.choice(PLACES), now, True))
            await session.flush()
            session.add_all(MeetingAttendee(meeting_id=row.id, person_id=p, rsvp="yes", reason="", checked_in_at=start)
                            for p in members)
            made += 1
        if rng.random() < 0.6:
            start = datetime.combine(today + timedelta(days=rng.randint(2, 20)), time(rng.choice((9, 15))), tzinfo=tz)
            session.add(row := _meeting(body.id, organiser, title, start, rng.choice(PLACES), now, False))
            await session.flush()
            session.add_all(MeetingAttendee(meeting_id=row.id, person_id=p, rsvp="none", reason="") for p in members)
            made += 1
    await session.flush()
    return made
