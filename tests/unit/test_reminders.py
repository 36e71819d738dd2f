"""Reminder timing without a database or a clock that ticks: which offsets are due, late, too late, superseded;
reading a one-line meeting; reading an admin's /body command."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.config import Settings, parse_offsets
from services.bodies import read_body_command
from services.errors import DomainError
from services.meeting_errors import BadBodyCommand, NeedTime
from services.meeting_line import read_meeting_line
from services.reminders import plan_waves
from tests.conftest import TZ

START = datetime(2026, 12, 2, 15, 0, tzinfo=TZ)
DAY_HOUR = (timedelta(days=1), timedelta(hours=1))


def test_nothing_is_due_before_the_first_offset():
    assert plan_waves(START, DAY_HOUR, now=START - timedelta(days=1, seconds=1), interval=30) == []


def test_the_day_before_reminder_is_due_on_time_and_not_late():
    [wave] = plan_waves(START, DAY_HOUR, now=START - timedelta(days=1) + timedelta(seconds=20), interval=30)
    assert (wave.offset_s, wave.late, wave.send) == (86400, False, True)


def test_a_reminder_more_than_two_sweeps_behind_is_late():
    [wave] = plan_waves(START, DAY_HOUR, now=START - timedelta(days=1) + timedelta(seconds=61), interval=30)
    assert wave.late and wave.send


def test_after_downtime_every_passed_offset_is_recorded_but_only_the_nearest_is_sent():
    day, hour = plan_waves(START, DAY_HOUR, now=START - timedelta(minutes=10), interval=30)
    assert (day.offset_s, day.send) == (86400, False)
    assert (hour.offset_s, hour.send, hour.late) == (3600, True, True)


@pytest.mark.parametrize("after", [timedelta(0), timedelta(seconds=1), timedelta(hours=3)])
def test_a_meeting_that_has_started_is_too_late_for_any_reminder(after):
    assert plan_waves(START, DAY_HOUR, now=START + after, interval=30) == []


def test_an_offset_due_before_the_invitation_went_out_is_not_sent():
    created = START - timedelta(minutes=30)
    [day, hour] = plan_waves(START, DAY_HOUR, now=created + timedelta(seconds=5), interval=30, since=created)
    assert not day.send and not hour.send


def test_minute_offsets_work_for_short_notice():
    assert parse_offsets("2m") == (timedelta(minutes=2),)
    assert Settings(_env_file=None, reminder_offsets="1d,1h").offsets == DAY_HOUR
    [wave] = plan_waves(START, parse_offsets("2m"), now=START - timedelta(seconds=119), interval=1)
    assert (wave.offset_s, wave.late) == (120, False)


def test_reading_a_one_line_meeting():
    now = datetime(2026, 11, 24, 10, 0, tzinfo=TZ)
    line = read_meeting_line("下周三下午3点 领导小组会议 地点：教育局三楼会议室 议题：明天的安排；年度总结", now=now)
    assert line.start == START and line.rule is None
    assert (line.title, line.place, line.agenda) == ("领导小组会议", "教育局三楼会议室", "明天的安排；年度总结")


def test_reading_a_repeating_meeting_starts_at_its_first_occurrence():
    now = datetime(2026, 12, 20, 10, 0, tzinfo=TZ)
    line = read_meeting_line("每月最后一天上午9点 办公室例会", now=now)
    assert (line.start, line.rule, line.title) == (datetime(2026, 12, 31, 9, 0, tzinfo=TZ), "M1:D-1@09:00", "办公室例会")


def test_a_day_without_a_time_asks_for_the_time():
    with pytest.raises(NeedTime):
        read_meeting_line("下周三 领导小组会议", now=datetime(2026, 11, 24, 10, 0, tzinfo=TZ))


def test_reading_a_body_command():
    cmd = read_body_command("T1：校务委员会 6次 +138-0000-0021 -13800000011")
    assert cmd == {"code": "T1", "name": "校务委员会", "minimum": 6, "add": ["13800000021"], "remove": ["13800000011"],
                   "active": None}
    assert read_body_command("X:领导小组 停用")["active"] is False


@pytest.mark.parametrize("text", ["", "T1:校务委员会 +12345", "T1:校务委员会 多余 的词", "T1:校务委员会 99次"])
def test_bad_body_commands_are_refused(text):
    with pytest.raises(DomainError) as err:
        read_body_command(text)
    assert isinstance(err.value, BadBodyCommand) or "minimum" in str(err.value.params)
