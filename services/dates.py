"""Read dates, times and recurrences from coordinators' messages (Chinese first, English too).

    parse_when("下周二上午9点在三楼开会", now=now, prefer="future")  ->  When(at=..., has_time=True, span=(0, 7))
    parse_recurrence("每周一上午9点例会", now=now)                  ->  Recurrence(rule="W1:MO@09:00", span=(0, 7))

The grammar lives in services._dates_grammar, recurrences in services._recurrence, and the dateparser
fallback (English long tail only, imported lazily) in services._dates_fallback. See docs/dates.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from services import _dates_fallback, _dates_grammar, _dates_lexicon, _recurrence
from services._recurrence import Recurrence

__all__ = [
    "When", "Recurrence", "parse_when", "parse_recurrence", "is_doubtful", "format_when", "impossible_span", "warm_up",
    "PREFERENCES",
]

PREFERENCES = ("past", "future")
FAR_AHEAD_DAYS = 60
LONG_AGO_DAYS = 30
_ZH_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class When:
    """A moment read from text: `at` is in now's zone (midnight when has_time is False); `span` locates the words."""

    at: dt.datetime
    has_time: bool
    span: tuple[int, int]

    @property
    def date(self) -> dt.date:
        """The calendar day."""
        return self.at.date()


def _check(now: dt.datetime, prefer: str | None = None) -> None:
    """Refuse a naive `now` or an unknown preference."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if prefer is not None and prefer not in PREFERENCES:
        raise ValueError(f"prefer must be 'past' or 'future', not {prefer!r}")


def parse_when(text: str, *, now: dt.datetime, prefer: str) -> When | None:
    """The first date/time expression in text, or None (also when that expression names no real day or time)."""
    _check(now, prefer)
    local_now = now.replace(tzinfo=None, second=0, microsecond=0)
    ctx = _dates_grammar.Ctx(local_now, prefer)
    normal = _dates_lexicon.normalise(text)
    try:
        found = _dates_grammar.find(normal, ctx) or _dates_fallback.parse(normal, ctx)
    except _dates_lexicon.Impossible:
        return None
    if found is None:
        return None
    if found.delta_minutes is not None:
        start = now.replace(second=0, microsecond=0).astimezone(dt.timezone.utc)
        at = (start + dt.timedelta(minutes=found.delta_minutes)).astimezone(now.tzinfo)
        return When(at, True, (found.start, found.end))
    return When(_attach_zone(found.at, now), found.has_time, (found.start, found.end))


def impossible_span(text: str, *, now: dt.datetime, prefer: str) -> tuple[int, int] | None:
    """Where the first date/time expression names a day or time that does not exist (2月30日, 明天25点), else None.

    parse_when gives None both for such text and for text with no date; this tells the two apart.
    """
    _check(now, prefer)
    ctx = _dates_grammar.Ctx(now.replace(tzinfo=None, second=0, microsecond=0), prefer)
    try:
        _dates_grammar.find(_dates_lexicon.normalise(text), ctx)
    except _dates_lexicon.Impossible as exc:
        return exc.span
    return None


def _attach_zone(naive: dt.datetime, now: dt.datetime) -> dt.datetime:
    """Put a local wall time into now's zone (a time skipped by a DST jump moves forward)."""
    return _recurrence.localise(naive, now.tzinfo)


def parse_recurrence(text: str, *, now: dt.datetime) -> Recurrence | None:
    """The first recurring schedule in text (每周一上午9点, 每月最后一个周五...), or None."""
    _check(now)
    try:
        found = _recurrence.find(_dates_lexicon.normalise(text))
    except _dates_lexicon.Impossible:
        return None
    if found is None:
        return None
    spec, start, end = found
    return Recurrence(_recurrence.anchored(spec, now).rule(), (start, end))


def is_doubtful(when: When | dt.datetime | dt.date, *, now: dt.datetime, prefer: str) -> str | None:
    """Why a parsed moment deserves a confirmation: past_when_scheduling, far_ahead, long_ago; else None.

    A When or a date compares whole days when there is no time; a datetime compares moments.
    """
    _check(now, prefer)
    if isinstance(when, When):
        at, has_time = when.at.astimezone(now.tzinfo), when.has_time
    elif isinstance(when, dt.datetime):
        at, has_time = when.astimezone(now.tzinfo), True
    else:
        at, has_time = dt.datetime.combine(when, dt.time(), now.tzinfo), False
    ahead_days = (at - now).total_seconds() / 86400 if has_time else (at.date() - now.date()).days
    if prefer == "future" and (at < now if has_time else at.date() < now.date()):
        return "past_when_scheduling"
    if ahead_days > FAR_AHEAD_DAYS:
        return "far_ahead"
    if prefer == "past" and -ahead_days > LONG_AGO_DAYS:
        return "long_ago"
    return None


def format_when(when: When | dt.datetime | dt.date, has_time: bool | None = None, lang: str = "zh_CN") -> str:
    """2026年12月2日 星期三 15:00 (zh) or Wed 2 Dec 2026 15:00 (en); no clock when has_time is False."""
    if isinstance(when, When):
        moment, has_time = when.at, when.has_time if has_time is None else has_time
    else:
        moment, has_time = when, (isinstance(when, dt.datetime) if has_time is None else has_time)
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    clock = f" {moment:%H:%M}" if has_time and isinstance(moment, dt.datetime) else ""
    if lang.lower().startswith("zh"):
        return f"{day.year}年{day.month}月{day.day}日 {_ZH_WEEKDAYS[day.weekday()]}{clock}"
    return f"{_EN_WEEKDAYS[day.weekday()]} {day.day} {_EN_MONTHS[day.month - 1]} {day.year}{clock}"


def warm_up() -> None:
    """Load cn2an and dateparser (both imported lazily) now, so the first real message is not slow."""
    _dates_lexicon.number("十二")
    _dates_fallback.warm_up(_dates_grammar.Ctx(dt.datetime(2026, 1, 1), "future"))
