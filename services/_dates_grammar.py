"""Chinese and English date/time grammar behind services.dates (package-private).

`find(text, ctx)` returns the first date/time expression of `text` resolved against `ctx`, None when
there is none, and raises `Impossible` when the first expression names a day or time that does not exist.
All arithmetic is on naive local wall time; services.dates attaches the zone.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

from services._dates_lexicon import (
    AM, BRACKET_CLOSE, BRACKET_OPEN, EN_DAY_JOIN, EN_MONTH, NIGHT, RE_DAYWORD, RE_EN_DAYWORD, RE_EN_MD, RE_EN_REL,
    RE_EN_WEEKDAY, RE_FULL, RE_ISO, RE_MD, RE_REL, RE_RELMONTH, RE_WEEKDAY, RE_YEARWORD, TIME_SEARCH, TIME_TAIL,
    WD_AFTER, Impossible, int_group, number, period_of, read_clock, weekday_index,
)

__all__ = ["Ctx", "Found", "Impossible", "find"]

# ---------------------------------------------------------------------------------------------
# Shared shapes
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ctx:
    """What resolution needs: local wall-clock now (to the minute) and the past/future preference."""

    now: datetime
    prefer: str

    @property
    def today(self) -> date:
        """Today's local date."""
        return self.now.date()


@dataclass(frozen=True, slots=True)
class Found:
    """A resolved expression: where it is in the text and the naive local moment it names."""

    start: int
    end: int
    at: datetime
    has_time: bool
    delta_minutes: int | None = None  # for 3小时后: services.dates adds this to the real now, DST-safe


@dataclass(frozen=True, slots=True)
class _Day:
    """A day expression before its time tail is read; `period` comes from words like 今晚/明早."""

    start: int
    end: int
    day: date
    period: str | None = None
    kind: str = "relative"  # "date": a calendar date; "weekday": a bare 周X; "relative": 明天, 下周三, 3天后
    alt: date | None = None  # a yearless month-day's other candidate year, which a written weekday may pick


# ---------------------------------------------------------------------------------------------
# Date arithmetic
# ---------------------------------------------------------------------------------------------


def make_date(year: int, month: int, day: int) -> date:
    """date(year, month, day) or Impossible."""
    try:
        return date(year, month, day)
    except ValueError:
        raise Impossible(f"{year}-{month}-{day}") from None


def _month_day(ctx: Ctx, month: int, day: int) -> tuple[date, date | None]:
    """A month-day with no year: this year if on/after (future) or on/before (past) today, else next/last.

    Also returns the year the other preference would pick (None if the same or not a real day).
    """
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise Impossible(f"{month}月{day}日")
    chosen = make_date(_year_for(ctx.today, month, day, ctx.prefer), month, day)
    try:
        other = date(_year_for(ctx.today, month, day, "past" if ctx.prefer == "future" else "future"), month, day)
    except ValueError:
        other = None
    return chosen, other if other != chosen else None


def _year_for(today: date, month: int, day: int, prefer: str) -> int:
    """The year a yearless month-day falls in under a preference."""
    key = (month, day)
    if prefer == "future" and key < (today.month, today.day):
        return today.year + 1
    if prefer == "past" and key > (today.month, today.day):
        return today.year - 1
    return today.year


def add_months(day: date, months: int) -> tuple[int, int]:
    """(year, month) of the month `months` after day's month."""
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _week_day(ctx: Ctx, weekday: int, weeks: int | None) -> date:
    """That weekday `weeks` weeks from the current one, or the next/last one (not today) when weeks is None."""
    today = ctx.today
    if weeks is not None:
        return today + timedelta(days=weekday - today.weekday() + 7 * weeks)
    if ctx.prefer == "future":
        return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
    return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)


# ---------------------------------------------------------------------------------------------
# Handlers: each turns one pattern match into a _Day, a Found, or None when it is a false start
# ---------------------------------------------------------------------------------------------

_YEAR_WORD = {"前年": -2, "去年": -1, "今年": 0, "明年": 1, "后年": 2}
_REL_MONTH = {"本月": 0, "这个月": 0, "这月": 0, "当月": 0, "下个月": 1, "下月": 1, "上个月": -1, "上月": -1}
_DAY_WORD = {"大前天": -3, "前天": -2, "昨": -1, "今": 0, "明": 1, "后天": 2, "大后天": 3}
_WEEK_PREFIX = {"下下": 2, "上上": -2, "下": 1, "上": -1, "本": 0, "这": 0, "这一": 0}
_EN_WEEK_PREFIX = {"this": 0, "next": 1, "last": -1}


def _on_iso(m: re.Match, text: str, ctx: Ctx) -> _Day:
    """2026-12-01, 2026/12/1, 2026.12.01."""
    return _Day(m.start(), m.end(), make_date(int(m["y"]), int(m["m"]), int(m["d"])), kind="date")


def _on_full(m: re.Match, text: str, ctx: Ctx) -> _Day:
    """2026年12月1日, 二〇二六年十二月一日."""
    d = make_date(int_group(m, "y"), int_group(m, "m"), int_group(m, "d"))
    return _Day(m.start(), m.end(), d, kind="date")


def _on_yearword(m: re.Match, text: str, ctx: Ctx) -> _Day:
    """明年3月8日, 今年十二月一号."""
    d = make_date(ctx.today.year + _YEAR_WORD[m["yw"]], int_group(m, "m"), int_group(m, "d"))
    return _Day(m.start(), m.end(), d, kind="date")


def _on_md(m: re.Match, text: str, ctx: Ctx) -> _Day:
    """3月8日, 十二月一号: year chosen by the preference."""
    chosen, other = _month_day(ctx, int_group(m, "m"), int_group(m, "d"))
    return _Day(m.start(), m.end(), chosen, kind="date", alt=other)


def _on_relmonth(m: re.Match, text: str, ctx: Ctx) -> _Day:
    """本月/下个月/上个月 N号."""
    year, month = add_months(ctx.today, _REL_MONTH[m["rm"]])
    return _Day(m.start(), m.end(), make_date(year, month, int_group(m, "d")), kind="date")


def _on_dayword(m: re.Match, text: str, ctx: Ctx) -> _Day:
    """今天 明天 后天 大后天 昨天 前天, and 今晚/明早-style words that carry a period."""
    word = m.group()
    offset = _DAY_WORD.get(word, _DAY_WORD.get(word[0], 0))
    period = AM if word[-1] in "早晨" else NIGHT if word[-1] in "晚夜" else None
    return _Day(m.start(), m.end(), ctx.today + timedelta(days=offset), period)


def _on_relative(m: re.Match, text: str, ctx: Ctx) -> _Day | Found | None:
    """N天后, 两周前, 3小时后, 半小时后, 一个半小时后, 20分钟后."""
    amount, unit = number(m["n"]), m["u"]
    if amount is None or amount <= 0:
        return None
    sign = 1 if "后" in m["dir"] else -1
    if unit.startswith("个半"):
        amount += 0.5
    if unit in ("天", "日") or unit.endswith(("星期", "礼拜", "周")):
        days = amount * (1 if unit in ("天", "日") else 7)
        if days != int(days):
            return None
        return _Day(m.start(), m.end(), ctx.today + timedelta(days=sign * int(days)))
    minutes = amount * (1 if unit == "分钟" else 60)
    if minutes != int(minutes):
        return None
    return _after_minutes(m, ctx, sign * int(minutes))


def _after_minutes(m: re.Match, ctx: Ctx, minutes: int) -> Found:
    """A moment some minutes from now (3小时后, in 2 hours)."""
    return Found(m.start(), m.end(), ctx.now + timedelta(minutes=minutes), True, minutes)


def _on_weekday(m: re.Match, text: str, ctx: Ctx) -> _Day:
    """周X/星期X/礼拜X with 本/这/下/下下/上/上上."""
    prefix = (m["wp"] or "").rstrip("个")
    weeks = _WEEK_PREFIX.get(prefix) if prefix else None
    kind = "weekday" if weeks is None else "relative"
    return _Day(m.start(), m.end(), _week_day(ctx, weekday_index(m["wd"]), weeks), kind=kind)


def _on_en_dayword(m: re.Match, text: str, ctx: Ctx) -> _Day:
    """today, tonight, tomorrow, yesterday, the day after tomorrow, this morning."""
    word = " ".join(m["w"].lower().split())
    offset = 2 if "after" in word else -2 if "before" in word else -1 if word == "yesterday" else (
        1 if word.startswith(("tomorrow", "tmr")) else 0)
    period = NIGHT if word == "tonight" else period_of(word) if word.startswith("this") else None
    return _Day(m.start(), m.end(), ctx.today + timedelta(days=offset), period)


def _on_en_weekday(m: re.Match, text: str, ctx: Ctx) -> _Day | None:
    """Friday, next Monday, last Friday, this Wednesday, on Tue."""
    prefix, word = (m["p"] or "").lower(), m["w"]
    if len(word) <= 5 and not _abbreviation_ok(m, text, prefix):
        return None
    weeks = _EN_WEEK_PREFIX.get(prefix)
    if prefix == "previous":
        ctx = Ctx(ctx.now, "past")
    elif prefix == "coming":
        ctx = Ctx(ctx.now, "future")
    kind = "weekday" if weeks is None else "relative"
    return _Day(m.start(), m.end(), _week_day(ctx, weekday_index(word), weeks), kind=kind)


def _abbreviation_ok(m: re.Match, text: str, prefix: str) -> bool:
    """A bare 'sat'/'sun'/'wed' is a weekday only with a prefix, a dot or comma, a number after it, or at the end."""
    if prefix and prefix != "on" or m["dot"]:
        return True
    rest = text[m.end():]
    return not rest.strip() or rest[:1] == "," or bool(re.match(r"\s+\d", rest))


def _on_en_md(m: re.Match, text: str, ctx: Ctx) -> _Day | None:
    """Dec 5, 5 Dec 2026, December 1, 2026, Sat, Dec 5."""
    month_word = (m["mon1"] or m["mon2"]).lower()
    month = [w[:3] for w in EN_MONTH.split("|")[:12]].index(month_word[:3]) + 1
    day = int(m["d1"] or m["d2"])
    if m["mon1"] == "may" and m.end() == m.end("d1"):
        return None  # "may 5 people come": a lowercase bare "may 5" is too likely the verb
    chosen, other = (make_date(int(m["y"]), month, day), None) if m["y"] else _month_day(ctx, month, day)
    found = _Day(m.start(), m.end(), chosen, kind="date", alt=other)
    return _agreeing(found, weekday_index(m["wd"]), found.end) if m["wd"] else found


def _on_en_relative(m: re.Match, text: str, ctx: Ctx) -> _Day | Found | None:
    """in 3 days, 2 days ago, in half an hour, 3 hours later."""
    amount = number(m["n1"] or m["n2"])
    unit = (m["u1"] or m["u2"]).lower()
    sign = -1 if (m["dir"] or "").lower() == "ago" else 1
    if amount is None:
        return None
    if unit.startswith(("day", "week")):
        days = amount * (7 if unit.startswith("week") else 1)
        if days != int(days):
            return None
        return _Day(m.start(), m.end(), ctx.today + timedelta(days=sign * int(days)))
    minutes = amount * (60 if unit.startswith(("hour", "hr")) else 1)
    if minutes != int(minutes):
        return None
    return _after_minutes(m, ctx, sign * int(minutes))


def _on_time(m: re.Match, text: str, ctx: Ctx) -> Found | None:
    """A time with no day before it: today if still ahead (future) / already past (past), else the next/previous day."""
    parsed = read_clock(m, text, standalone=True)
    if parsed is None:
        return None
    (shift, hour, minute), end = parsed
    day = _day_after_time(text, end, ctx)
    if day is not None:
        return Found(m.start(), day.end, datetime.combine(day.day, datetime.min.time()).replace(
            hour=hour, minute=minute) + timedelta(days=shift), True)
    at = datetime.combine(ctx.today, datetime.min.time()).replace(hour=hour, minute=minute) + timedelta(days=shift)
    if ctx.prefer == "future" and at < ctx.now:
        at += timedelta(days=1)
    elif ctx.prefer == "past" and at > ctx.now:
        at -= timedelta(days=1)
    return Found(m.start(), end, at, True)


def _day_after_time(text: str, pos: int, ctx: Ctx) -> _Day | None:
    """English puts the day after the time: '3pm tomorrow', '10am on Friday'."""
    join = EN_DAY_JOIN.match(text, pos)
    if join.end() == pos:
        return None
    for pattern, handler in ((RE_EN_DAYWORD, _on_en_dayword), (RE_EN_WEEKDAY, _on_en_weekday), (RE_EN_MD, _on_en_md)):
        m = pattern.match(text, join.end())
        day = handler(m, text, ctx) if m else None
        if day is not None:
            return day
    return None


# ---------------------------------------------------------------------------------------------
# The day's tail: a weekday or date in brackets, a period word, a time
# ---------------------------------------------------------------------------------------------


def _check_weekday_after(day: _Day, text: str) -> _Day:
    """Swallow a weekday written after a calendar date (12月5日（周六）); Impossible if it disagrees."""
    m = WD_AFTER.match(text, day.end)
    if not m:
        return day
    return _agreeing(day, weekday_index(m["a"] or m["b"]), m.end())


def _agreeing(day: _Day, weekday: int, end: int) -> _Day:
    """The day (or its other candidate year) that falls on the written weekday; Impossible if neither does."""
    for candidate in (day.day, day.alt):
        if candidate is not None and candidate.weekday() == weekday:
            return _Day(day.start, end, candidate, day.period, day.kind)
    raise Impossible(f"{day.day} is not weekday {weekday}")


def _check_date_after(day: _Day, text: str, ctx: Ctx) -> _Day:
    """A day followed by its date in brackets (周五（2月20日）, 明天（2月17日）): Impossible if they disagree."""
    opening = BRACKET_OPEN.match(text, day.end)
    if not opening:
        return day
    for pattern, handler in ((RE_ISO, _on_iso), (RE_FULL, _on_full), (RE_MD, _on_md), (RE_EN_MD, _on_en_md)):
        m = pattern.match(text, opening.end())
        closing = m and BRACKET_CLOSE.match(text, m.end())
        if closing:
            inner = handler(m, text, ctx)
            if inner is None:
                return day
            for candidate in (inner.day, inner.alt):
                if candidate is not None and (
                    candidate.weekday() == day.day.weekday() if day.kind == "weekday" else candidate == day.day
                ):
                    return _Day(day.start, closing.end(), candidate, day.period, "date")
            raise Impossible(f"{inner.day} disagrees with {day.day}")
    return day


def _with_tail(day: _Day, text: str, ctx: Ctx) -> Found:
    """Read what follows a day: a period word (date stays without time) and/or a clock time."""
    day = _check_weekday_after(day, text) if day.kind == "date" else _check_date_after(day, text, ctx)
    midnight = datetime.combine(day.day, datetime.min.time())
    m = TIME_TAIL.match(text, day.end)
    parsed = read_clock(m, text, period=day.period)
    if parsed is not None:
        (shift, hour, minute), end = parsed
        return Found(day.start, end, midnight.replace(hour=hour, minute=minute) + timedelta(days=shift), True)
    end = day.end
    if m["per"] and m["per"] not in ("早", "晚"):
        end = m.end("per")
    return Found(day.start, end, midnight, False)


# ---------------------------------------------------------------------------------------------
# The scanner
# ---------------------------------------------------------------------------------------------

Handler = Callable[[re.Match, str, Ctx], "_Day | Found | None"]
_RULES: tuple[tuple[re.Pattern, Handler], ...] = (
    (RE_ISO, _on_iso),
    (RE_FULL, _on_full),
    (RE_YEARWORD, _on_yearword),
    (RE_RELMONTH, _on_relmonth),
    (RE_MD, _on_md),
    (RE_REL, _on_relative),
    (RE_DAYWORD, _on_dayword),
    (RE_WEEKDAY, _on_weekday),
    (RE_EN_MD, _on_en_md),
    (RE_EN_REL, _on_en_relative),
    (RE_EN_DAYWORD, _on_en_dayword),
    (RE_EN_WEEKDAY, _on_en_weekday),
    (TIME_SEARCH, _on_time),
)


def find(text: str, ctx: Ctx) -> Found | None:
    """The first date/time expression in (normalised) text; raises Impossible if it names no real day or time."""
    queue: list[tuple[int, int, int, re.Match]] = []
    for index, (pattern, _) in enumerate(_RULES):
        m = pattern.search(text)
        if m:
            queue.append((m.start(), -m.end(), index, m))
    heapq.heapify(queue)
    while queue:
        start, _, index, m = heapq.heappop(queue)
        pattern, handler = _RULES[index]
        try:
            hit = handler(m, text, ctx)
            if isinstance(hit, _Day):
                return _with_tail(hit, text, ctx)
        except Impossible as exc:
            exc.span = (start, max(m.end(), exc.span[1] if exc.span else 0))
            raise
        if hit is not None:
            return hit
        m = pattern.search(text, start + 1)
        if m:
            heapq.heappush(queue, (m.start(), -m.end(), index, m))
    return None
