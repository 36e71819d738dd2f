"""Working days in mainland China: statutory holidays and official make-up workdays (调休).

The calendar comes from the `chinese_calendar` package (pip name chinesecalendar), which only knows
the years the State Council has published. For any other year this module falls back to plain
Monday–Friday; `known(d)` says whether a date is covered by real data.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar

_KNOWN_FIRST_YEAR = min(chinese_calendar.holidays).year
_KNOWN_LAST_YEAR = max(chinese_calendar.holidays).year
_ONE_DAY = dt.timedelta(days=1)


def _day(d: dt.date) -> dt.date:
    """A plain date (a datetime would never equal the library's date keys)."""
    return d.date() if isinstance(d, dt.datetime) else d


def known(d: dt.date) -> bool:
    """Whether the holiday data covers the year of `d`; otherwise weekends are the only days off."""
    return _KNOWN_FIRST_YEAR <= _day(d).year <= _KNOWN_LAST_YEAR


def is_workday(d: dt.date) -> bool:
    """A day people work: Monday–Friday outside statutory holidays, plus official make-up days (调休上班)."""
    d = _day(d)
    if known(d):
        return bool(chinese_calendar.is_workday(d))
    return d.weekday() < 5


def is_holiday(d: dt.date) -> bool:
    """A day off: a statutory holiday, or a weekend that is not a make-up workday."""
    return not is_workday(d)


def holiday_name(d: dt.date) -> str | None:
    """The Chinese name of the holiday `d` is a day off for (国庆节, 春节, …); None on workdays and plain weekends.

    Make-up workdays get None too: they are workdays, even though the library ties them to a holiday.
    """
    d = _day(d)
    if not known(d):
        return None
    on_holiday, name = chinese_calendar.get_holiday_detail(d)
    if not on_holiday or name is None:
        return None
    return str(chinese_calendar.Holiday(name).chinese)


def add_workdays(start: dt.date, n: int) -> dt.date:
    """The n-th workday after `start` (before it when n < 0); `start` itself when n == 0.

    `start` does not need to be a workday: add_workdays(friday_before_national_day, 1) is the first
    workday after the holiday.
    """
    day = _day(start)
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    remaining = abs(n)
    while remaining:
        day += step
        if is_workday(day):
            remaining -= 1
    return day


def workdays_between(start: dt.date, end: dt.date) -> int:
    """How many workdays fall in (start, end]: the full working days a request made on `start` has waited by `end`.

    0 when `end` is not after `start`.
    """
    start, end = _day(start), _day(end)
    count = 0
    day = start + _ONE_DAY
    while day <= end:
        count += is_workday(day)
        day += _ONE_DAY
    return count
