"""The meetings table for exports (`python -m bot export meetings`, the /export workbook)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.dates import Recurrence
from storage.models import Attachment, Body, Meeting, MeetingAttendee, Person, Unit

MEETING_HEADERS = ("编号", "日期", "时间", "单位编码", "单位", "机构", "会议名称", "地点", "议题", "组织者", "状态",
                   "邀请人数", "参加", "请假", "未回复", "签到人数", "会议纪要", "纪要附件数", "纪要提交时间", "重复")
STATES = {"scheduled": "已安排", "held": "已召开", "cancelled": "已取消"}


async def _answers(session: AsyncSession, ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(dict)
    if not ids:
        return out
    rows = await session.execute(
        select(MeetingAttendee.meeting_id, MeetingAttendee.rsvp, func.count(), func.count(MeetingAttendee.checked_in_at))
        .where(MeetingAttendee.meeting_id.in_(ids)).group_by(MeetingAttendee.meeting_id, MeetingAttendee.rsvp))
    for mid, rsvp, n, checked in rows:
        out[mid][rsvp] = n
        out[mid]["checked"] = out[mid].get("checked", 0) + checked
    files = await session.execute(select(Attachment.owner_id, func.count()).where(
        Attachment.owner_type == "meeting", Attachment.owner_id.in_(ids)).group_by(Attachment.owner_id))
    for mid, n in files:
        out[mid]["files"] = n
    return out


async def meetings_table(session: AsyncSession, start: date, end: date, *, tz: ZoneInfo):  # noqa: ANN201
    """Every meeting starting from `start` to `end` inclusive (local days), with answers, check-ins and minutes."""
    from services.exports import Table

    lo = datetime.combine(start, time(), tzinfo=tz)
    hi = datetime.combine(end + timedelta(days=1), time(), tzinfo=tz)
    result = list(await session.execute(
        select(Meeting, Unit.code, Unit.name, Body.name, Person.name).join(Body, Body.id == Meeting.body_id)
        .join(Unit, Unit.id == Body.unit_id).join(Person, Person.id == Meeting.organiser_id)
        .where(Meeting.starts_at >= lo, Meeting.starts_at < hi).order_by(Meeting.starts_at, Meeting.id)))
    answers = await _answers(session, [m.id for m, *_ in result])
    rows = []
    for m, code, unit, body, organiser in result:
        a, at = answers[m.id], m.starts_at.astimezone(tz)
        invited = sum(a.get(k, 0) for k in ("yes", "no", "none"))
        rows.append((
            m.id, at.date().isoformat(), at.strftime("%H:%M"), code, unit, body, m.title, m.place, m.agenda, organiser,
            STATES.get(m.state, m.state), invited, a.get("yes", 0), a.get("no", 0), a.get("none", 0), a.get("checked", 0),
            m.minutes_text or "", a.get("files", 0),
            m.minutes_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if m.minutes_at else "",
            Recurrence.from_rule(m.series_rule).describe("zh_CN") if m.series_rule else ""))
    return Table("会议", MEETING_HEADERS, tuple(rows))
