"""Chinese working days: holidays and make-up workdays from chinese_calendar, Monday–Friday beyond its data."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.workdays import add_workdays, holiday_name, is_holiday, is_workday, known, workdays_between

D = dt.date

# Make-up workdays (调休上班) the library lists for 2026: weekends that are workdays.
MAKEUP_2026 = [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)]


def test_the_make_up_days_used_here_are_the_librarys() -> None:
    listed = sorted(d for d in chinese_calendar.workdays if d.year == 2026)
    assert listed == MAKEUP_2026
    assert all(d.weekday() >= 5 for d in MAKEUP_2026)


@pytest.mark.parametrize("day", [D(2026, 10, d) for d in range(1, 8)], ids=lambda d: d.isoformat())
def test_national_day_week_is_off(day: dt.date) -> None:
    assert is_holiday(day)
    assert not is_workday(day)
    assert holiday_name(day) == "国庆节"


@pytest.mark.parametrize("day", MAKEUP_2026, ids=lambda d: d.isoformat())
def test_make_up_weekend_days_are_workdays(day: dt.date) -> None:
    assert is_workday(day)
    assert not is_holiday(day)
    assert holiday_name(day) is None


def test_spring_festival_2026() -> None:
    assert is_workday(D(2026, 2, 14))  # Saturday before the holiday, make-up day
    assert all(is_holiday(D(2026, 2, d)) for d in range(15, 24))  # 15–23 Feb off, Monday–Friday included
    assert holiday_name(D(2026, 2, 17)) == "春节"
    assert is_workday(D(2026, 2, 24))


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (D(2026, 11, 14), False),  # Saturday
        (D(2026, 11, 15), False),  # Sunday
        (D(2026, 11, 16), True),  # Monday
        (D(2026, 11, 20), True),  # Friday
    ],
    ids=["saturday", "sunday", "monday", "friday"],
)
def test_ordinary_weeks(day: dt.date, workday: bool) -> None:
    assert is_workday(day) is workday
    assert is_holiday(day) is not workday
    assert holiday_name(day) is None


def test_new_years_day_has_its_name() -> None:
    assert holiday_name(D(2026, 1, 1)) == "元旦"
    assert holiday_name(D(2026, 1, 5)) is None


def test_unknown_years_fall_back_to_monday_to_friday() -> None:
    assert known(D(2026, 12, 31))
    assert not known(D(2027, 1, 1))
    assert not known(D(1999, 10, 1))
    assert is_workday(D(2027, 10, 1))  # a Friday: real data would make it 国庆节, the fallback cannot know
    assert is_holiday(D(2027, 10, 2))  # Saturday
    assert holiday_name(D(2027, 10, 1)) is None
    assert workdays_between(D(2027, 1, 1), D(2027, 1, 8)) == 5  # Mon 4 – Fri 8
    assert add_workdays(D(2027, 1, 1), 1) == D(2027, 1, 4)  # Friday → Monday


def test_datetimes_are_taken_as_their_date() -> None:
    assert is_holiday(dt.datetime(2026, 10, 1, 9, 30))
    assert is_workday(dt.datetime(2026, 10, 10, 9, 30))
    assert holiday_name(dt.datetime(2026, 10, 1, 23, 59)) == "国庆节"
    assert workdays_between(dt.datetime(2026, 9, 30, 18), dt.datetime(2026, 10, 9, 8)) == 2


def test_workdays_between_across_national_day() -> None:
    # Request on Wed 30 Sep: Oct 1–7 off, Thu 8 and Fri 9 worked, Sat 10 is a make-up workday.
    assert workdays_between(D(2026, 9, 30), D(2026, 10, 7)) == 0
    assert workdays_between(D(2026, 9, 30), D(2026, 10, 9)) == 2
    assert workdays_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert workdays_between(D(2026, 9, 30), D(2026, 10, 12)) == 4  # Sun 11 off, Mon 12 worked
    assert workdays_between(D(2026, 9, 18), D(2026, 9, 30)) == 8  # Sun 20 make-up; Fri 25 中秋 off


def test_workdays_between_is_exclusive_of_start_and_zero_backwards() -> None:
    assert workdays_between(D(2026, 11, 16), D(2026, 11, 16)) == 0
    assert workdays_between(D(2026, 11, 16), D(2026, 11, 17)) == 1
    assert workdays_between(D(2026, 11, 17), D(2026, 11, 16)) == 0
    assert workdays_between(D(2026, 11, 13), D(2026, 11, 16)) == 1  # Friday → Monday


def test_add_workdays() -> None:
    assert add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_workdays(D(2026, 9, 30), 3) == D(2026, 10, 10)  # make-up Saturday counts
    assert add_workdays(D(2026, 10, 3), 1) == D(2026, 10, 8)  # from inside the holiday
    assert add_workdays(D(2026, 11, 20), 1) == D(2026, 11, 23)  # Friday → Monday
    assert add_workdays(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert add_workdays(D(2026, 10, 4), 0) == D(2026, 10, 4)
    assert add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 1)  # into the fallback year: a Friday
    assert add_workdays(D(2026, 2, 13), 1) == D(2026, 2, 14)  # make-up Saturday before Spring Festival
    assert add_workdays(D(2026, 2, 14), 1) == D(2026, 2, 24)


@settings(max_examples=200, deadline=None)
@given(start=st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 12, 31)), n=st.integers(min_value=0, max_value=40))
def test_add_workdays_and_workdays_between_agree(start: dt.date, n: int) -> None:
    end = add_workdays(start, n)
    assert workdays_between(start, end) == n
    assert n == 0 or is_workday(end)
    assert add_workdays(end, -n) <= start if n else end == start
