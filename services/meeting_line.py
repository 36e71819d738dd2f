"""Reading a meeting from one line: `下周三下午3点 领导小组会议 地点：教育局三楼会议室 议题：年度总结`.

Labelled parts (地点：/议题：) are cut off first, so words in an agenda never pass for a date; then a
repeating schedule (每周一上午9点) or else one moment (read with prefer="future") is taken out, and
what is left is the title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from services.dates import parse_recurrence, parse_when
from services.meeting_errors import BadMeetingTime, BadRecurrence, NeedTime

_LABEL = re.compile(r"(会议地点|地点|地址|place|where|会议议题|议题|议程|agenda)\s*[:：]\s*", re.IGNORECASE)
_PLACE_LABELS = {"会议地点", "地点", "地址", "place", "where"}
_TRIM = " \t,，。;；:：、"
_DATEISH = re.compile(r"\d+\s*[月日号点时:：]|[周星期礼拜][一二三四五六日天]|[今明后]天|下周|上午|下午|晚上")


@dataclass(frozen=True)
class MeetingLine:
    """What one line said: start (local, tz-aware), repetition rule, title, place, agenda (None when not said)."""

    start: datetime | None = None
    rule: str | None = None
    title: str | None = None
    place: str | None = None
    agenda: str | None = None


def _labelled(text: str) -> tuple[str, str | None, str | None]:
    """Split off 地点：… and 议题：…; returns the unlabelled head, place, agenda."""
    marks = list(_LABEL.finditer(text))
    if not marks:
        return text, None, None
    place = agenda = None
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        value = text[m.end():end].strip(_TRIM) or None
        if m.group(1).lower() in _PLACE_LABELS:
            place = place or value
        else:
            agenda = agenda or value
    return text[:marks[0].start()], place, agenda


def read_when(text: str, *, now: datetime) -> tuple[datetime, str | None, tuple[int, int]]:
    """The start (and repetition rule) in `text`: BadMeetingTime, or NeedTime when it names a day only."""
    rec = parse_recurrence(text, now=now)
    if rec is not None:
        if not rec.has_time:
            raise NeedTime()
        return rec.occurrences(now, 1)[0], rec.rule, rec.span
    when = parse_when(text, now=now, prefer="future")
    if when is None:
        raise BadMeetingTime(text=text[:50])
    if not when.has_time:
        raise NeedTime()
    return when.at, None, when.span


def read_rule(text: str, *, now: datetime) -> tuple[datetime, str]:
    """A repeating schedule alone (the card's 🔁 field): its first occurrence and rule."""
    rec = parse_recurrence(text, now=now)
    if rec is None:
        raise BadRecurrence(text=text[:50])
    if not rec.has_time:
        raise NeedTime()
    return rec.occurrences(now, 1)[0], rec.rule


def read_meeting_line(text: str, *, now: datetime) -> MeetingLine:
    """Read what a one-line /meeting says; the time is optional here (the form asks for it when missing)."""
    head, place, agenda = _labelled(text)
    start = rule = None
    try:
        start, rule, (a, b) = read_when(head, now=now)
        head = head[:a] + " " + head[b:]
    except BadMeetingTime:
        if _DATEISH.search(head):  # it tried to say when (2月30日, 25点): say so rather than ask again
            raise
    title = re.sub(r"\s+", " ", head).strip(_TRIM) or None
    return MeetingLine(start, rule, title, place, agenda)
