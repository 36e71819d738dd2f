"""services.dates: parse_when, parse_recurrence, is_doubtful, format_when.

Expectations use the sample's notation: "YYYY-MM-DD HH:MM" (a date with a time), "YYYY-MM-DD" (no time),
"-" (no date). Unless a case says otherwise, now is Monday 2026-02-16 09:00 in Asia/Shanghai.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.dates import (
    Recurrence, When, format_when, impossible_span, is_doubtful, parse_recurrence, parse_when, warm_up,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
NOW = "2026-02-16T09:00"  # a Monday
SAMPLE = Path(__file__).parents[1] / "data" / "dates_sample.tsv"


def at(iso: str, zone=SHANGHAI) -> datetime:
    """A tz-aware local datetime from an ISO string."""
    return datetime.fromisoformat(iso).replace(tzinfo=zone)


def show(when: When | None) -> str:
    """A result in the sample's notation."""
    if when is None:
        return "-"
    return when.at.strftime("%Y-%m-%d %H:%M") if when.has_time else when.at.strftime("%Y-%m-%d")


def check(text: str, now: str, prefer: str, expect: str) -> None:
    """parse_when gives `expect`, in now's zone, with a span inside the text."""
    when = parse_when(text, now=at(now), prefer=prefer)
    assert show(when) == expect, f"{text!r} ({prefer}, now {now})"
    if when is not None:
        assert when.at.tzinfo is SHANGHAI
        assert 0 <= when.span[0] < when.span[1] <= len(text)
        if not when.has_time:
            assert (when.at.hour, when.at.minute) == (0, 0)


def cases(group: str, rows: list[tuple], now: str = NOW) -> list:
    """pytest params from (text, prefer, expect) rows, with ids that say what each checks."""
    return [pytest.param(text, now, prefer, expect, id=f"{group}:{text}|{prefer}|{expect}") for text, prefer, expect in rows]


# --------------------------------------------------------------------------------------------
# The team's public sample
# --------------------------------------------------------------------------------------------


def sample_rows() -> list:
    """Every non-comment line of tests/data/dates_sample.tsv."""
    rows = []
    for number, line in enumerate(SAMPLE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        text, now, prefer, expect = line.split("\t")
        rows.append(pytest.param(text, now, prefer, expect, id=f"sample-line{number}:{text}|{prefer}"))
    return rows


@pytest.mark.parametrize(("text", "now", "prefer", "expect"), sample_rows())
def test_sample(text, now, prefer, expect):
    check(text, now, prefer, expect)


# --------------------------------------------------------------------------------------------
# Chinese rules
# --------------------------------------------------------------------------------------------

DAY_WORDS = [
    ("今天", "future", "2026-02-16"),
    ("明天", "past", "2026-02-17"),
    ("后天", "future", "2026-02-18"),
    ("大后天", "future", "2026-02-19"),
    ("昨天", "past", "2026-02-15"),
    ("前天", "past", "2026-02-14"),
    ("大前天", "past", "2026-02-13"),
    ("今日", "future", "2026-02-16"),
    ("明日", "future", "2026-02-17"),
    ("今晚", "future", "2026-02-16"),
    ("明早", "future", "2026-02-17"),
    ("明晚", "future", "2026-02-17"),
    ("昨晚", "past", "2026-02-15"),
    ("今晚7点", "future", "2026-02-16 19:00"),
    ("明晚8点半", "future", "2026-02-17 20:30"),
    ("明早9点半", "future", "2026-02-17 09:30"),
    ("明早7点", "future", "2026-02-17 07:00"),
    ("今天上午", "future", "2026-02-16"),
    ("后天晚上", "future", "2026-02-18"),
    ("明天下午", "future", "2026-02-17"),
    ("明天 中午", "future", "2026-02-17"),
    ("昨天晚上", "past", "2026-02-15"),
]

RELATIVE = [
    ("3天后", "future", "2026-02-19"),
    ("5天前", "past", "2026-02-11"),
    ("十天后", "future", "2026-02-26"),
    ("两天前", "past", "2026-02-14"),
    ("100天后", "future", "2026-05-27"),
    ("一天以后", "future", "2026-02-17"),
    ("三天之前", "past", "2026-02-13"),
    ("一周后", "future", "2026-02-23"),
    ("两周后", "future", "2026-03-02"),
    ("2周后", "future", "2026-03-02"),
    ("三周前", "past", "2026-01-26"),
    ("一个星期后", "future", "2026-02-23"),
    ("2小时后", "future", "2026-02-16 11:00"),
    ("两个小时后", "future", "2026-02-16 11:00"),
    ("半小时后", "future", "2026-02-16 09:30"),
    ("半个小时后", "future", "2026-02-16 09:30"),
    ("一个半小时后", "future", "2026-02-16 10:30"),
    ("1.5小时后", "future", "2026-02-16 10:30"),
    ("45分钟后", "future", "2026-02-16 09:45"),
    ("十五分钟后", "future", "2026-02-16 09:15"),
    ("3小时前", "past", "2026-02-16 06:00"),
    ("十小时前", "past", "2026-02-15 23:00"),
    ("24小时后", "future", "2026-02-17 09:00"),
    ("3天后上午10点", "future", "2026-02-19 10:00"),
    ("两天后下午3点", "future", "2026-02-18 15:00"),
]

WEEKDAYS = [
    ("周三", "future", "2026-02-18"),
    ("周三", "past", "2026-02-11"),
    ("周一", "future", "2026-02-23"),  # today counts for neither preference
    ("周一", "past", "2026-02-09"),
    ("星期五", "future", "2026-02-20"),
    ("星期五", "past", "2026-02-13"),
    ("礼拜天", "future", "2026-02-22"),
    ("礼拜天", "past", "2026-02-15"),
    ("周日", "future", "2026-02-22"),
    ("星期日", "past", "2026-02-15"),
    ("星期天", "future", "2026-02-22"),
    ("礼拜六", "future", "2026-02-21"),
    ("本周三", "past", "2026-02-18"),  # 本周X ignores the preference
    ("本周日", "future", "2026-02-22"),
    ("这周五", "future", "2026-02-20"),
    ("这周一", "future", "2026-02-16"),
    ("这个星期六", "past", "2026-02-21"),
    ("下周一", "future", "2026-02-23"),
    ("下周三", "past", "2026-02-25"),
    ("下周日", "future", "2026-03-01"),
    ("下星期二", "future", "2026-02-24"),
    ("下个星期四", "future", "2026-02-26"),
    ("下个礼拜五", "future", "2026-02-27"),
    ("下下周二", "future", "2026-03-03"),
    ("下下个星期一", "future", "2026-03-02"),
    ("上周五", "past", "2026-02-13"),
    ("上周一", "past", "2026-02-09"),
    ("上星期天", "past", "2026-02-15"),
    ("上礼拜三", "past", "2026-02-11"),
    ("上个星期二", "future", "2026-02-10"),
    ("上上周四", "past", "2026-02-05"),
    ("周5", "future", "2026-02-20"),
    ("下周二上午9点半", "future", "2026-02-24 09:30"),
    ("周四下午3点", "future", "2026-02-19 15:00"),
    ("上周五晚上7点", "past", "2026-02-13 19:00"),
]

MONTHS = [
    ("本月20号", "future", "2026-02-20"),
    ("本月5号", "future", "2026-02-05"),  # 本月 fixes the month, whatever the preference
    ("这个月5号", "past", "2026-02-05"),
    ("下个月10号", "future", "2026-03-10"),
    ("下月1号", "future", "2026-03-01"),
    ("下个月31号", "future", "2026-03-31"),
    ("上个月31号", "past", "2026-01-31"),
    ("上个月15号", "past", "2026-01-15"),
    ("上月3日", "past", "2026-01-03"),
    ("明年3月1日", "future", "2027-03-01"),
    ("明年3月1日", "past", "2027-03-01"),
    ("今年12月1日", "past", "2026-12-01"),
    ("去年10月1日", "past", "2025-10-01"),
    ("3月8日", "future", "2026-03-08"),
    ("3月8日", "past", "2025-03-08"),
    ("3月8号", "future", "2026-03-08"),
    ("2月16日", "future", "2026-02-16"),  # today: "on or after"
    ("2月16日", "past", "2026-02-16"),  # today: "on or before"
    ("2月15日", "future", "2027-02-15"),
    ("2月15日", "past", "2026-02-15"),
    ("2月17日", "past", "2025-02-17"),
    ("2月17日", "future", "2026-02-17"),
    ("12月5日", "future", "2026-12-05"),
    ("1月5日", "past", "2026-01-05"),
    ("十二月一日", "future", "2026-12-01"),
    ("三月八号", "future", "2026-03-08"),
    ("3月8", "future", "2026-03-08"),
    ("3月8 下午", "future", "2026-03-08"),
    ("3月8日下午3点", "future", "2026-03-08 15:00"),
]

FULL_DATES = [
    ("2026年12月1日", "past", "2026-12-01"),
    ("2026年12月1号", "future", "2026-12-01"),
    ("2025年3月8日", "future", "2025-03-08"),  # an explicit year is kept even if past
    ("2026-12-01", "future", "2026-12-01"),
    ("2026/12/1", "future", "2026-12-01"),
    ("2026.12.01", "future", "2026-12-01"),
    ("2026-3-8", "future", "2026-03-08"),
    ("二〇二六年十二月一日", "future", "2026-12-01"),
    ("二零二六年三月八日", "future", "2026-03-08"),
    ("12月5日（周六）", "future", "2026-12-05"),
    ("12月5日(周六)", "future", "2026-12-05"),
    ("12月5日（星期六）", "future", "2026-12-05"),
    ("12月5日 周六", "future", "2026-12-05"),
    ("2026年12月5日星期六", "future", "2026-12-05"),
    ("12月5日（周六）下午2:00", "future", "2026-12-05 14:00"),
    ("12月5号 星期六 下午3点", "future", "2026-12-05 15:00"),
    ("周六（12月5日）", "future", "2026-12-05"),
    ("明天（2月17日）", "future", "2026-02-17"),
    ("2026-03-08 19:30", "future", "2026-03-08 19:30"),
    ("2026-03-08T19:30", "future", "2026-03-08 19:30"),
    ("2026年3月8日19:30", "future", "2026-03-08 19:30"),
    ("2026/3/8 8:00", "future", "2026-03-08 08:00"),
    ("２０２６年１２月１日", "future", "2026-12-01"),  # full-width digits
]

TIMES_WITH_DAY = [
    ("明天上午9点", "future", "2026-02-17 09:00"),
    ("明天早上7点半", "future", "2026-02-17 07:30"),
    ("明天早晨6点", "future", "2026-02-17 06:00"),
    ("明天凌晨3点", "future", "2026-02-17 03:00"),
    ("明天中午12点", "future", "2026-02-17 12:00"),
    ("明天中午1点", "future", "2026-02-17 13:00"),
    ("明天下午3点", "future", "2026-02-17 15:00"),
    ("明天傍晚6点", "future", "2026-02-17 18:00"),
    ("明天晚上8点", "future", "2026-02-17 20:00"),
    ("明天3点", "future", "2026-02-17 15:00"),  # 1-6 with no period word: p.m.
    ("明天1点", "future", "2026-02-17 13:00"),
    ("明天6点", "future", "2026-02-17 18:00"),
    ("明天7点", "future", "2026-02-17 07:00"),  # 7-12 stays
    ("明天9点", "future", "2026-02-17 09:00"),
    ("明天12点", "future", "2026-02-17 12:00"),
    ("明天0点", "future", "2026-02-17 00:00"),
    ("明天20点", "future", "2026-02-17 20:00"),
    ("明天9点一刻", "future", "2026-02-17 09:15"),
    ("明天9点三刻", "future", "2026-02-17 09:45"),
    ("明天9点15分", "future", "2026-02-17 09:15"),
    ("明天8点05分", "future", "2026-02-17 08:05"),
    ("明天8点零5分", "future", "2026-02-17 08:05"),
    ("明天9时30分", "future", "2026-02-17 09:30"),
    ("明天上午9时", "future", "2026-02-17 09:00"),
    ("明天9:30", "future", "2026-02-17 09:30"),
    ("明天14:30", "future", "2026-02-17 14:30"),
    ("明天十点", "future", "2026-02-17 10:00"),
    ("明天10点钟", "future", "2026-02-17 10:00"),
    ("明天下午两点", "future", "2026-02-17 14:00"),
    ("明天下午三点二十分", "future", "2026-02-17 15:20"),
    ("明天下午两点一刻", "future", "2026-02-17 14:15"),
    ("明天上午十点半", "future", "2026-02-17 10:30"),
    ("明天下午2:00", "future", "2026-02-17 14:00"),
    ("明天晚上12点", "future", "2026-02-18 00:00"),  # the midnight that ends that evening
    ("今晚12点", "future", "2026-02-17 00:00"),
    ("明天上午9点到11点", "future", "2026-02-17 09:00"),  # a range: its start
    ("明天9:00-11:00", "future", "2026-02-17 09:00"),
    ("明天，下午3点", "future", "2026-02-17 15:00"),
]

TIMES_WITHOUT_DAY = [
    ("下午3点", "future", "2026-02-16 15:00"),
    ("下午3点", "past", "2026-02-15 15:00"),
    ("上午8点", "future", "2026-02-17 08:00"),
    ("上午8点", "past", "2026-02-16 08:00"),
    ("10点", "future", "2026-02-16 10:00"),
    ("10点", "past", "2026-02-15 10:00"),
    ("8:30", "past", "2026-02-16 08:30"),
    ("3点", "future", "2026-02-16 15:00"),
    ("9点", "future", "2026-02-16 09:00"),  # exactly now counts as still ahead
    ("晚上8点", "future", "2026-02-16 20:00"),
    ("中午12点", "future", "2026-02-16 12:00"),
    ("凌晨2点", "future", "2026-02-17 02:00"),
    ("三点半", "future", "2026-02-16 15:30"),
    ("下午两点半", "past", "2026-02-15 14:30"),
    ("10点钟", "future", "2026-02-16 10:00"),
    ("9时30分", "future", "2026-02-16 09:30"),
    ("19:30", "future", "2026-02-16 19:30"),
    ("上午10-11点", "future", "2026-02-16 10:00"),
]

ENGLISH = [
    ("today", "future", "2026-02-16"),
    ("tomorrow", "future", "2026-02-17"),
    ("Tomorrow", "future", "2026-02-17"),
    ("yesterday", "past", "2026-02-15"),
    ("tonight", "future", "2026-02-16"),
    ("the day after tomorrow", "future", "2026-02-18"),
    ("Friday", "future", "2026-02-20"),
    ("Friday", "past", "2026-02-13"),
    ("friday", "future", "2026-02-20"),
    ("Monday", "future", "2026-02-23"),
    ("next Monday", "future", "2026-02-23"),
    ("next Friday", "future", "2026-02-27"),  # next week's Friday, like 下周五
    ("last Friday", "past", "2026-02-13"),
    ("last Monday", "past", "2026-02-09"),
    ("this Friday", "past", "2026-02-20"),
    ("on Sat", "future", "2026-02-21"),
    ("in 3 days", "future", "2026-02-19"),
    ("2 days ago", "past", "2026-02-14"),
    ("in a week", "future", "2026-02-23"),
    ("3 weeks ago", "past", "2026-01-26"),
    ("in 2 hours", "future", "2026-02-16 11:00"),
    ("30 minutes ago", "past", "2026-02-16 08:30"),
    ("in half an hour", "future", "2026-02-16 09:30"),
    ("Dec 5 2pm", "future", "2026-12-05 14:00"),
    ("5 Dec 2026 14:30", "future", "2026-12-05 14:30"),
    ("December 1, 2026", "future", "2026-12-01"),
    ("Dec 5", "future", "2026-12-05"),
    ("Dec. 5th", "future", "2026-12-05"),
    ("the 5th of December", "future", "2026-12-05"),
    ("Feb 10", "past", "2026-02-10"),
    ("Feb 10", "future", "2027-02-10"),
    ("Sat, Dec 5", "future", "2026-12-05"),
    ("March 8, 2026 3pm", "future", "2026-03-08 15:00"),
    ("tomorrow at 3pm", "future", "2026-02-17 15:00"),
    ("tomorrow 10:30am", "future", "2026-02-17 10:30"),
    ("tomorrow at 3", "future", "2026-02-17 15:00"),
    ("tomorrow morning", "future", "2026-02-17"),
    ("tomorrow morning at 9", "future", "2026-02-17 09:00"),
    ("tomorrow noon", "future", "2026-02-17 12:00"),
    ("3pm tomorrow", "future", "2026-02-17 15:00"),
    ("10am next Monday", "future", "2026-02-23 10:00"),
    ("Friday 9am", "future", "2026-02-20 09:00"),
    ("3pm", "future", "2026-02-16 15:00"),
    ("8am", "future", "2026-02-17 08:00"),
    ("12pm", "future", "2026-02-16 12:00"),
    ("12am", "future", "2026-02-17 00:00"),
    ("明天 3pm", "future", "2026-02-17 15:00"),
    # the long tail goes to dateparser; it must not invent a clock
    ("twenty days ago", "past", "2026-01-27"),
    ("a fortnight ago", "past", "2026-02-02"),
]

SENTENCES = [
    ("请于明天下午3点前提交材料", "future", "2026-02-17 15:00"),
    ("社区学校定于3月8日上午9点举办妇女节活动", "future", "2026-03-08 09:00"),
    ("上周五组织了书法培训，30人参加", "past", "2026-02-13"),
    ("会议改到下下周三下午两点半", "future", "2026-03-04 14:30"),
    ("我们在2026年12月1日开会", "future", "2026-12-01"),
    ("提醒：20分钟后开会", "future", "2026-02-16 09:20"),
    ("三楼会议室 周四 下午3点", "future", "2026-02-19 15:00"),
    ("第一季度报告 明天交", "future", "2026-02-17"),
    ("昨天下午在社区举办了3场讲座，共120人", "past", "2026-02-15"),
    ("Meeting next Friday at 2pm in room 3", "future", "2026-02-27 14:00"),
    ("The workshop is on Dec 5 at 2pm, 30 people", "future", "2026-12-05 14:00"),
    ("Let us meet on 1st of December 2026 please", "future", "2026-12-01"),
    ("周三和周五都有课", "future", "2026-02-18"),  # the first expression wins
    ("3月8日-3月10日 读书节", "future", "2026-03-08"),
    ("下午3点20人参加座谈", "future", "2026-02-16 15:00"),  # 20人 is not minutes
    ("明天一点开会", "future", "2026-02-17 13:00"),
    ("今晚一点", "future", "2026-02-17 01:00"),
    ("三点开会", "future", "2026-02-16 15:00"),
    ("下周周三", "future", "2026-02-25"),
    ("下周的周三", "future", "2026-02-25"),
    ("本周周五", "past", "2026-02-20"),
    ("下周三（2月25日）", "past", "2026-02-25"),
    # a weekday written next to a yearless date may pick the other candidate year
    ("时间：3月15日（周日）9:00", "past", "2026-03-15 09:00"),
    ("12月5日（周五）", "future", "2025-12-05"),
    ("Friday (May 8)", "future", "2026-05-08"),
]


@pytest.mark.parametrize(("text", "now", "prefer", "expect"), cases("day-word", DAY_WORDS))
def test_day_words(text, now, prefer, expect):
    check(text, now, prefer, expect)


@pytest.mark.parametrize(("text", "now", "prefer", "expect"), cases("relative", RELATIVE))
def test_relative_offsets(text, now, prefer, expect):
    check(text, now, prefer, expect)


@pytest.mark.parametrize(("text", "now", "prefer", "expect"), cases("weekday", WEEKDAYS))
def test_weekdays(text, now, prefer, expect):
    check(text, now, prefer, expect)


@pytest.mark.parametrize(("text", "now", "prefer", "expect"), cases("month", MONTHS))
def test_month_days(text, now, prefer, expect):
    check(text, now, prefer, expect)


@pytest.mark.parametrize(("text", "now", "prefer", "expect"), cases("full-date", FULL_DATES))
def test_full_dates(text, now, prefer, expect):
    check(text, now, prefer, expect)


@pytest.mark.parametrize(("text", "now", "prefer", "expect"), cases("time+day", TIMES_WITH_DAY))
def test_times_with_a_day(text, now, prefer, expect):
    check(text, now, prefer, expect)


@pytest.mark.parametrize(("text", "now", "prefer", "expect"), cases("time-only", TIMES_WITHOUT_DAY))
def test_times_without_a_day(text, now, prefer, expect):
    check(text, now, prefer, expect)


@pytest.mark.parametrize(("text", "now", "prefer", "expect"), cases("english", ENGLISH))
def test_english(text, now, prefer, expect):
    check(text, now, prefer, expect)


@pytest.mark.parametrize(("text", "now", "prefer", "expect"), cases("sentence", SENTENCES))
def test_expressions_inside_sentences(text, now, prefer, expect):
    check(text, now, prefer, expect)


# --------------------------------------------------------------------------------------------
# No date: impossible dates and texts without one
# --------------------------------------------------------------------------------------------

IMPOSSIBLE = [
    "2月30日", "4月31日", "6月31日", "13月5日", "0月1日", "1月32日", "2月29日", "2027年2月29日", "2026-02-30",
    "2026-13-01", "本月30号", "本月29号", "明天25点", "12点60分", "明天24点30分", "明天24点", "下午3点75分", "25:00",
    "12:60", "上午15点", "中午8点", "13pm", "Feb 30", "12月5日（周日）", "Fri, Dec 5 2026", "明天（2月18日）",
    "十三月五日", "2月30日下午3点", "2月30日和3月1日",
]

NO_DATE = [
    "", "   ", "书法培训 30人", "60人 1.5小时", "提出三点意见", "在5号楼开会", "坐3号线", "1号会议室", "第13周", "2026年",
    "2026年12月", "下周", "周末", "下个月", "每周一次", "一周一次", "上午", "下午开会", "共3个月", "高一(3)班",
    "电话13812345678", "涨了2.5点", "会议改期，时间待定", "3天前来报到", "10/12", "12/5", "3.8", "1.5",
    "hello world", "I sat down", "the sun is up", "May I help you", "may 5 people come", "see you later",
    "see you in March", "next week", "next month", "a fortnight", "in 3 months", "Room 101 at the library",
    "9时",  # 一时/9时 alone is not read as a clock
    "早一点到", "晚一点再说", "快一点", "第2点", "讲了三点", "两点注意事项", "第3周周三",
]


@pytest.mark.parametrize("text", [pytest.param(t, id=f"impossible:{t}") for t in IMPOSSIBLE])
@pytest.mark.parametrize("prefer", ["past", "future"])
def test_impossible_dates_give_none(text, prefer):
    assert parse_when(text, now=at(NOW), prefer=prefer) is None


@pytest.mark.parametrize("text", [pytest.param(t, id=f"no-date:{t or 'empty'}") for t in NO_DATE])
@pytest.mark.parametrize("prefer", ["past", "future"])
def test_texts_without_a_date_give_none(text, prefer):
    assert parse_when(text, now=at(NOW), prefer=prefer) is None


@pytest.mark.parametrize(("text", "where"), [
    pytest.param("/log 2月30日 讲座 30人", "2月30日", id="impossible-span:month-day"),
    pytest.param("12月5日（周日）读书会", "12月5日", id="impossible-span:weekday-disagrees"),
    pytest.param("明天25点开会", "明天", id="impossible-span:bad-hour-starts-at-the-day"),
    pytest.param("书法培训 30人", None, id="impossible-span:no-date-at-all"),
    pytest.param("明天下午3点", None, id="impossible-span:a-valid-date"),
])
def test_impossible_span_tells_a_bad_date_from_no_date(text, where):
    span = impossible_span(text, now=at(NOW), prefer="past")
    assert (text[span[0]:span[1]] if span else None) == where


def test_2028_feb_29_is_a_real_day():
    assert show(parse_when("2028年2月29日", now=at(NOW), prefer="future")) == "2028-02-29"


# --------------------------------------------------------------------------------------------
# Spans: the expression, and what is left for a title
# --------------------------------------------------------------------------------------------

SPANS = [
    ("下周二上午9点在镇成校三楼召开校务委员会", "下周二上午9点", "在镇成校三楼召开校务委员会"),
    ("2月12日 家庭教育讲座 60人 1.5小时", "2月12日", " 家庭教育讲座 60人 1.5小时"),
    ("前天组织老年人智能手机培训，25人参加", "前天", "组织老年人智能手机培训，25人参加"),
    ("请于明天下午3点前提交材料", "明天下午3点", "请于前提交材料"),
    ("今天上午开会", "今天上午", "开会"),
    ("明天晚会", "明天", "晚会"),  # 晚 alone is not a period word here
    ("12月5日（周六）下午2:00 读书会", "12月5日（周六）下午2:00", " 读书会"),
    ("周六（12月5日）读书会", "周六（12月5日）", "读书会"),
    ("读书会 3天后", "3天后", "读书会 "),
    ("20分钟后开会", "20分钟后", "开会"),
    ("上午9点到11点半开会", "上午9点到11点半", "开会"),
    ("10:00-12:00 会议", "10:00-12:00", " 会议"),
    ("Meeting next Friday at 2pm in room 3", "next Friday at 2pm", "Meeting  in room 3"),
    ("Workshop on Friday", "on Friday", "Workshop "),
    ("Dinner 3pm tomorrow", "3pm tomorrow", "Dinner "),
    ("twenty days ago 60人", "twenty days ago", " 60人"),
    ("下午3点20人参加座谈", "下午3点", "20人参加座谈"),
    ("３月８日下午", "３月８日下午", ""),
    ("明天早一点来", "明天", "早一点来"),
    ("19:30:00 开会", "19:30:00", " 开会"),
    ("Friday (may 5) picnic", "Friday", " (may 5) picnic"),
]


@pytest.mark.parametrize(("text", "expression", "rest"), [pytest.param(*row, id=f"span:{row[0]}") for row in SPANS])
def test_span_is_the_expression_and_leaves_the_title(text, expression, rest):
    when = parse_when(text, now=at(NOW), prefer="future")
    assert when is not None
    start, end = when.span
    assert text[start:end] == expression
    assert text[:start] + text[end:] == rest


# --------------------------------------------------------------------------------------------
# Month and year boundaries, leap years
# --------------------------------------------------------------------------------------------

BOUNDARIES = [
    # now on Thursday 2026-12-31
    ("明天", "2026-12-31T10:00", "future", "2027-01-01"),
    ("下周一", "2026-12-31T10:00", "future", "2027-01-04"),
    ("下个月5号", "2026-12-31T10:00", "future", "2027-01-05"),
    ("1月2日", "2026-12-31T10:00", "future", "2027-01-02"),
    ("12月31日", "2026-12-31T10:00", "future", "2026-12-31"),
    ("12月30日", "2026-12-31T10:00", "future", "2027-12-30"),
    ("周五", "2026-12-31T10:00", "future", "2027-01-01"),
    ("3天后", "2026-12-31T10:00", "future", "2027-01-03"),
    ("下午3点", "2026-12-31T10:00", "future", "2026-12-31 15:00"),
    ("9点", "2026-12-31T10:00", "future", "2027-01-01 09:00"),
    ("晚上12点", "2026-12-31T10:00", "future", "2027-01-01 00:00"),
    ("本周日", "2026-12-31T10:00", "future", "2027-01-03"),
    ("明年3月1日", "2026-12-31T10:00", "future", "2027-03-01"),
    ("2小时后", "2026-12-31T23:00", "future", "2027-01-01 01:00"),
    # now on Friday 2027-01-01
    ("昨天", "2027-01-01T08:00", "past", "2026-12-31"),
    ("12月31日", "2027-01-01T08:00", "past", "2026-12-31"),
    ("上个月15号", "2027-01-01T08:00", "past", "2026-12-15"),
    ("上周五", "2027-01-01T08:00", "past", "2026-12-25"),
    ("周五", "2027-01-01T08:00", "past", "2026-12-25"),
    ("去年12月1日", "2027-01-01T08:00", "past", "2026-12-01"),
    ("1月1日", "2027-01-01T08:00", "past", "2027-01-01"),
    ("1月2日", "2027-01-01T08:00", "past", "2026-01-02"),
    ("晚上8点", "2027-01-01T08:00", "past", "2026-12-31 20:00"),
    ("3天前", "2027-01-01T08:00", "past", "2026-12-29"),
    ("last Friday", "2027-01-01T08:00", "past", "2026-12-25"),
    # now on Monday 2028-02-28, a leap year
    ("明天", "2028-02-28T09:00", "future", "2028-02-29"),
    ("后天", "2028-02-28T09:00", "future", "2028-03-01"),
    ("2月29日", "2028-02-28T09:00", "future", "2028-02-29"),
    ("本月29号", "2028-02-28T09:00", "future", "2028-02-29"),
    ("2月29日", "2028-03-01T09:00", "past", "2028-02-29"),
    # now on Sunday 2027-02-28, not a leap year
    ("明天", "2027-02-28T09:00", "future", "2027-03-01"),
    ("2月29日", "2027-02-28T09:00", "future", "-"),
    ("本月29号", "2027-02-28T09:00", "future", "-"),
    ("下个月29号", "2027-02-28T09:00", "future", "2027-03-29"),
    ("2月29日", "2027-03-01T09:00", "future", "2028-02-29"),  # next year's Feb 29 exists
    ("2月29日", "2027-03-01T09:00", "past", "-"),  # this year's does not
    # month ends
    ("下个月31号", "2026-01-31T09:00", "future", "-"),
    ("上个月31号", "2026-03-15T09:00", "past", "-"),
    ("上个月30号", "2026-05-15T09:00", "past", "2026-04-30"),
]


@pytest.mark.parametrize(
    ("text", "now", "prefer", "expect"),
    [pytest.param(*row, id=f"boundary:{row[0]}|now={row[1]}|{row[2]}") for row in BOUNDARIES],
)
def test_month_and_year_boundaries(text, now, prefer, expect):
    check(text, now, prefer, expect)


# --------------------------------------------------------------------------------------------
# The API around parse_when
# --------------------------------------------------------------------------------------------


def test_when_is_frozen_and_has_a_date():
    when = parse_when("明天下午3点", now=at(NOW), prefer="future")
    assert when.date == date(2026, 2, 17)
    with pytest.raises(dataclasses.FrozenInstanceError):
        when.has_time = False


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        parse_when("明天", now=datetime(2026, 2, 16, 9), prefer="future")


def test_unknown_preference_is_refused():
    with pytest.raises(ValueError):
        parse_when("明天", now=at(NOW), prefer="soon")


def test_result_is_in_nows_zone():
    utc_now = at(NOW).astimezone(timezone.utc)  # 01:00 UTC
    when = parse_when("明天上午9点", now=utc_now, prefer="future")
    assert when.at == datetime(2026, 2, 17, 9, tzinfo=timezone.utc)


def test_fixed_offset_zone_works():
    now = datetime(2026, 2, 16, 9, tzinfo=timezone(timedelta(hours=8)))
    when = parse_when("后天晚上8点", now=now, prefer="future")
    assert when.at == datetime(2026, 2, 18, 20, tzinfo=timezone(timedelta(hours=8)))


def test_seconds_of_now_are_dropped_from_relative_times():
    now = at("2026-02-16T09:00:42.5")
    assert parse_when("20分钟后", now=now, prefer="future").at == at("2026-02-16T09:20")


def test_hours_from_now_are_real_hours_across_a_dst_change():
    now = at("2026-03-08T01:00", NEW_YORK)  # EST; clocks jump to 03:00 EDT at 02:00
    when = parse_when("3小时后", now=now, prefer="future")
    assert when.at.astimezone(timezone.utc) == datetime(2026, 3, 8, 9, tzinfo=timezone.utc)
    assert when.at.tzinfo is NEW_YORK and when.at.hour == 5


def test_a_wall_time_skipped_by_dst_moves_forward():
    when = parse_when("明天凌晨2点半", now=at("2026-03-07T12:00", NEW_YORK), prefer="future")
    assert (when.at.hour, when.at.minute, when.at.utcoffset()) == (3, 30, timedelta(hours=-4))


def test_warm_up_loads_the_lazy_parts():
    import sys

    warm_up()
    assert "dateparser" in sys.modules and "cn2an" in sys.modules


def test_dateparser_is_not_imported_for_chinese_text():
    import subprocess
    import sys

    code = (
        "import sys, datetime, zoneinfo\n"
        "from services.dates import parse_when\n"
        "now = datetime.datetime(2026, 2, 16, 9, tzinfo=zoneinfo.ZoneInfo('Asia/Shanghai'))\n"
        "parse_when('下周二上午9点开会', now=now, prefer='future')\n"
        "parse_when('书法培训 30人', now=now, prefer='past')\n"
        "print('dateparser' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[2])
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------------------------
# Hypothesis: never raises, spans stay inside the text
# --------------------------------------------------------------------------------------------

DATE_PIECES = st.sampled_from(
    list("0123456789:-/.年月日号周天点分时半刻一二三四五六七八九十两〇（）() ，")
    + ["星期", "礼拜", "上午", "下午", "晚上", "中午", "凌晨", "明天", "今晚", "下周", "上个月", "本月", "每周", "每月",
       "天后", "小时后", "分钟前", "最后一个", "第一个", "季度", "Dec ", "May ", "next ", "last ", " ago", "in ", "days",
       "pm", "am", " at ", "tomorrow", "Friday", "到", "会议", "人"]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=40), prefer=st.sampled_from(["past", "future"]))
def test_random_text_never_raises(text, prefer):
    when = parse_when(text, now=at(NOW), prefer=prefer)
    if when is not None:
        assert 0 <= when.span[0] < when.span[1] <= len(text)
    rec = parse_recurrence(text, now=at(NOW))
    if rec is not None:
        assert 0 <= rec.span[0] < rec.span[1] <= len(text)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(DATE_PIECES, max_size=12), prefer=st.sampled_from(["past", "future"]))
def test_date_like_text_never_raises_and_spans_fit(pieces, prefer):
    text = "".join(pieces)
    when = parse_when(text, now=at(NOW), prefer=prefer)
    if when is not None:
        assert 0 <= when.span[0] < when.span[1] <= len(text)
        assert when.at.tzinfo is SHANGHAI
    rec = parse_recurrence(text, now=at(NOW))
    if rec is not None:
        assert 0 <= rec.span[0] < rec.span[1] <= len(text)
        assert Recurrence.from_rule(rec.rule).rule == rec.rule
        assert all(o > at(NOW) for o in rec.occurrences(at(NOW), 3))


# --------------------------------------------------------------------------------------------
# is_doubtful and format_when
# --------------------------------------------------------------------------------------------

DOUBTS = [
    ("昨天", "future", "past_when_scheduling"),
    ("今天", "future", None),  # a date with no time today is not in the past
    ("今天上午8点", "future", "past_when_scheduling"),
    ("今天上午10点", "future", None),
    ("明天", "future", None),
    ("60天后", "future", None),
    ("61天后", "future", "far_ahead"),
    ("2027年3月1日", "future", "far_ahead"),
    ("2027年3月1日", "past", "far_ahead"),
    ("30天前", "past", None),
    ("31天前", "past", "long_ago"),
    ("上个月15号", "past", "long_ago"),
    ("昨天", "past", None),
    ("明天", "past", None),
    ("31天前", "future", "past_when_scheduling"),
]


@pytest.mark.parametrize(("text", "prefer", "reason"), [pytest.param(*row, id=f"doubt:{row[0]}|{row[1]}|{row[2]}") for row in DOUBTS])
def test_is_doubtful(text, prefer, reason):
    now = at(NOW)
    when = parse_when(text, now=now, prefer=prefer)
    assert is_doubtful(when, now=now, prefer=prefer) == reason


def test_is_doubtful_accepts_a_datetime():
    assert is_doubtful(at("2026-02-16T08:59"), now=at(NOW), prefer="future") == "past_when_scheduling"
    assert is_doubtful(at("2026-02-16T09:01"), now=at(NOW), prefer="future") is None


def test_is_doubtful_accepts_a_date_and_compares_whole_days():
    assert is_doubtful(date(2026, 2, 16), now=at(NOW), prefer="future") is None
    assert is_doubtful(date(2026, 1, 17), now=at(NOW), prefer="past") is None  # 30 days
    assert is_doubtful(date(2026, 1, 16), now=at(NOW), prefer="past") == "long_ago"  # 31 days
    assert is_doubtful(date(2026, 4, 18), now=at(NOW), prefer="future") == "far_ahead"  # 61 days


FORMATS = [
    (When(at("2026-12-02T15:00"), True, (0, 1)), None, "zh_CN", "2026年12月2日 星期三 15:00"),
    (When(at("2026-12-02T00:00"), False, (0, 1)), None, "zh_CN", "2026年12月2日 星期三"),
    (When(at("2026-12-02T15:00"), True, (0, 1)), None, "en", "Wed 2 Dec 2026 15:00"),
    (When(at("2026-12-02T00:00"), False, (0, 1)), None, "en", "Wed 2 Dec 2026"),
    (at("2026-12-06T09:05"), True, "zh_CN", "2026年12月6日 星期日 09:05"),
    (at("2026-12-06T09:05"), False, "zh_CN", "2026年12月6日 星期日"),
    (at("2027-01-01T20:30"), True, "en_US", "Fri 1 Jan 2027 20:30"),
    (date(2026, 3, 8), False, "zh", "2026年3月8日 星期日"),
    (date(2026, 3, 8), None, "en", "Sun 8 Mar 2026"),
]


@pytest.mark.parametrize(("value", "has_time", "lang", "expect"), [pytest.param(*row, id=f"format:{row[3]}") for row in FORMATS])
def test_format_when(value, has_time, lang, expect):
    assert format_when(value, has_time, lang) == expect


def test_format_when_default_is_chinese_and_follows_has_time():
    assert format_when(at("2026-12-02T15:00"), False) == "2026年12月2日 星期三"


# --------------------------------------------------------------------------------------------
# Recurrences
# --------------------------------------------------------------------------------------------

RECURRENCES = [
    ("每周一上午9点", "W1:MO@09:00", "每周一上午9点", "每周一 09:00"),
    ("每两周周五下午3点", "W2:FR@15:00~2026-02-16", "每两周周五下午3点", "每两周周五 15:00"),
    ("每月5号", "M1:D5", "每月5号", "每月5日"),
    ("每月最后一个周五", "M1:FR#-1", "每月最后一个周五", "每月最后一个周五"),
    ("每季度第一个月10号", "Q1:D10", "每季度第一个月10号", "每季度第一个月10日"),
    ("每季度第一个月10号上午9点", "Q1:D10@09:00", "每季度第一个月10号上午9点", "每季度第一个月10日 09:00"),
    ("每季度最后一个月15号", "Q3:D15", "每季度最后一个月15号", "每季度最后一个月15日"),
    ("每天", "D1", "每天", "每天"),
    ("每天早上8点", "D1@08:00", "每天早上8点", "每天 08:00"),
    ("每个工作日", "W1:MO,TU,WE,TH,FR", "每个工作日", "每周一至周五"),
    ("每周一至周五上午9点", "W1:MO,TU,WE,TH,FR@09:00", "每周一至周五上午9点", "每周一至周五 09:00"),
    ("每周一、三、五下午4点", "W1:MO,WE,FR@16:00", "每周一、三、五下午4点", "每周一、三、五 16:00"),
    ("每星期三", "W1:WE", "每星期三", "每周三"),
    ("每个礼拜天", "W1:SU", "每个礼拜天", "每周日"),
    ("每周一3点", "W1:MO@15:00", "每周一3点", "每周一 15:00"),
    ("每隔一天", "D2~2026-02-17", "每隔一天", "每两天"),
    ("每三天", "D3~2026-02-17", "每三天", "每三天"),
    ("隔周周四", "W2:TH~2026-02-16", "隔周周四", "每两周周四"),
    ("每隔一周周三", "W2:WE~2026-02-16", "每隔一周周三", "每两周周三"),
    ("每月最后一天", "M1:D-1", "每月最后一天", "每月最后一天"),
    ("每月第一个周一", "M1:MO#1", "每月第一个周一", "每月第一个周一"),
    ("每月1号、15号", "M1:D1,D15", "每月1号、15号", "每月1日、15日"),
    ("每两个月5号", "M2:D5~2026-03", "每两个月5号", "每两个月5日"),
    ("每年3月8日", "Y:03-08", "每年3月8日", "每年3月8日"),
    ("每周五晚上12点", "W1:SA@00:00", "每周五晚上12点", "每周六 00:00"),
    ("例会：每周一上午9点，三楼", "W1:MO@09:00", "每周一上午9点", "每周一 09:00"),
    ("every Monday at 10am", "W1:MO@10:00", "every Monday at 10am", "每周一 10:00"),
    ("every day", "D1", "every day", "每天"),
    ("every weekday at 9:00", "W1:MO,TU,WE,TH,FR@09:00", "every weekday at 9:00", "每周一至周五 09:00"),
    ("every other Friday", "W2:FR~2026-02-16", "every other Friday", "每两周周五"),
    ("the last Friday of every month", "M1:FR#-1", "the last Friday of every month", "每月最后一个周五"),
    ("every month on the 5th", "M1:D5", "every month on the 5th", "每月5日"),
]


@pytest.mark.parametrize(("text", "rule", "expression", "zh"), [pytest.param(*row, id=f"recurrence:{row[0]}") for row in RECURRENCES])
def test_parse_recurrence(text, rule, expression, zh):
    rec = parse_recurrence(text, now=at(NOW))
    assert rec is not None
    assert rec.rule == rule
    assert text[rec.span[0]:rec.span[1]] == expression
    assert rec.describe("zh_CN") == zh
    assert rec.has_time == ("@" in rule)
    again = Recurrence.from_rule(rec.rule)
    assert again.rule == rec.rule
    assert again.occurrences(at(NOW), 5) == rec.occurrences(at(NOW), 5)


NOT_RECURRENCES = ["每周一次", "每周三次课", "明天开会", "下周一", "每月32号", "每年2月30日", "每周", "每月", "书法培训 30人",
                   "每月倒数第二个周五", "每月5号晚上12点", ""]


@pytest.mark.parametrize("text", [pytest.param(t, id=f"not-recurrence:{t or 'empty'}") for t in NOT_RECURRENCES])
def test_not_a_recurrence(text):
    assert parse_recurrence(text, now=at(NOW)) is None


def iso(values: list[datetime]) -> list[str]:
    """Occurrences as local 'YYYY-MM-DD HH:MM' strings."""
    return [v.strftime("%Y-%m-%d %H:%M") for v in values]


OCCURRENCES = [
    ("W1:MO@09:00", "2026-12-28T10:00", 2, ["2027-01-04 09:00", "2027-01-11 09:00"]),
    ("W1:MO@09:00", "2026-02-23T09:00", 1, ["2026-03-02 09:00"]),  # strictly after
    ("W1:MO@09:00", "2026-02-23T08:59", 1, ["2026-02-23 09:00"]),
    ("M1:D31", "2026-01-31T12:00", 4, ["2026-03-31 00:00", "2026-05-31 00:00", "2026-07-31 00:00", "2026-08-31 00:00"]),
    ("M1:D30", "2026-01-31T00:00", 2, ["2026-03-30 00:00", "2026-04-30 00:00"]),  # February is skipped
    ("M1:FR#-1", "2026-02-01T00:00", 2, ["2026-02-27 00:00", "2026-03-27 00:00"]),
    ("M1:FR#-1", "2027-02-01T00:00", 1, ["2027-02-26 00:00"]),
    ("M1:FR#-1", "2028-02-01T00:00", 1, ["2028-02-25 00:00"]),
    ("M1:MO#1@09:00", "2026-12-15T00:00", 2, ["2027-01-04 09:00", "2027-02-01 09:00"]),
    ("M1:FR#5", "2026-01-01T00:00", 2, ["2026-01-30 00:00", "2026-05-29 00:00"]),
    ("M1:D-1", "2028-01-31T00:00", 2, ["2028-02-29 00:00", "2028-03-31 00:00"]),
    ("M1:D-1", "2027-01-31T00:00", 1, ["2027-02-28 00:00"]),
    ("M1:D1,D15", "2026-12-10T00:00", 3, ["2026-12-15 00:00", "2027-01-01 00:00", "2027-01-15 00:00"]),
    ("M2:D5~2026-03", "2026-12-01T00:00", 2, ["2027-01-05 00:00", "2027-03-05 00:00"]),
    ("Q1:D10@09:00", "2026-11-20T00:00", 3, ["2027-01-10 09:00", "2027-04-10 09:00", "2027-07-10 09:00"]),
    ("Q3:D-1", "2026-01-01T00:00", 2, ["2026-03-31 00:00", "2026-06-30 00:00"]),
    ("Y:02-29", "2026-03-01T00:00", 2, ["2028-02-29 00:00", "2032-02-29 00:00"]),
    ("Y:12-31@23:30", "2026-12-31T23:30", 1, ["2027-12-31 23:30"]),
    ("W2:FR@15:00~2026-02-16", "2026-12-20T00:00", 2, ["2026-12-25 15:00", "2027-01-08 15:00"]),
    ("D1@08:00", "2026-12-31T09:00", 2, ["2027-01-01 08:00", "2027-01-02 08:00"]),
    ("D2~2026-02-17", "2026-02-28T12:00", 2, ["2026-03-01 00:00", "2026-03-03 00:00"]),
    ("W1:SA,SU", "2026-12-31T00:00", 3, ["2027-01-02 00:00", "2027-01-03 00:00", "2027-01-09 00:00"]),
]


@pytest.mark.parametrize(("rule", "after", "count", "expect"), [pytest.param(*row, id=f"occurrences:{row[0]}|after={row[1]}") for row in OCCURRENCES])
def test_occurrences(rule, after, count, expect):
    got = Recurrence.from_rule(rule).occurrences(at(after), count)
    assert iso(got) == expect
    assert all(o.tzinfo is SHANGHAI and o > at(after) for o in got)


def test_monthly_last_friday_from_text_in_february():
    rec = parse_recurrence("每月最后一个周五下午3点", now=at("2027-02-01T00:00"))
    assert iso(rec.occurrences(at("2027-02-01T00:00"), 2)) == ["2027-02-26 15:00", "2027-03-26 15:00"]


def test_every_two_weeks_keeps_its_cycle_across_a_year_end():
    rec = parse_recurrence("每两周周五下午3点", now=at("2026-12-20T10:00"))
    got = rec.occurrences(at("2026-12-20T10:00"), 3)
    assert iso(got) == ["2026-12-25 15:00", "2027-01-08 15:00", "2027-01-22 15:00"]
    assert Recurrence.from_rule(rec.rule).occurrences(at("2027-01-01T00:00"), 1) == got[1:2]


def test_occurrences_are_in_afters_zone_and_keep_wall_time_across_dst():
    rec = Recurrence.from_rule("D1@09:00")
    got = rec.occurrences(at("2026-03-07T10:00", NEW_YORK), 2)
    assert [(o.day, o.hour, o.utcoffset()) for o in got] == [(8, 9, timedelta(hours=-4)), (9, 9, timedelta(hours=-4))]
    assert got[0].tzinfo is NEW_YORK


def test_occurrence_in_a_dst_gap_moves_forward():
    got = Recurrence.from_rule("W1:SU@02:30").occurrences(at("2026-03-01T12:00", NEW_YORK), 2)
    assert [(o.day, o.hour, o.minute) for o in got] == [(8, 3, 30), (15, 2, 30)]


def test_occurrences_need_an_aware_after_and_a_positive_count():
    rec = Recurrence.from_rule("D1")
    assert rec.occurrences(at(NOW), 0) == []
    with pytest.raises(ValueError):
        rec.occurrences(datetime(2026, 2, 16), 1)


RULES = ["D1", "D1@09:00", "D3~2026-02-17", "W1:MO", "W1:MO,WE,FR@16:00", "W2:FR@15:00~2026-02-16", "M1:D5", "M1:D-1",
         "M1:FR#-1", "M1:MO#1,MO#3@19:00", "M1:D1,D15", "M3:D10~2026-01", "Q1:D10@09:00", "Q2:TU#2", "Y:03-08", "Y:02-29@08:00"]


@pytest.mark.parametrize("rule", [pytest.param(r, id=f"round-trip:{r}") for r in RULES])
def test_rule_round_trip(rule):
    rec = Recurrence.from_rule(rule)
    assert rec.rule == rule
    assert Recurrence.from_rule(rec.rule) == rec
    assert rec.describe("zh_CN") and rec.describe("en")


def test_rule_is_made_canonical():
    assert Recurrence.from_rule("W1:FR,MO,FR").rule == "W1:MO,FR"
    assert Recurrence.from_rule("W2:FR~2026-02-20").rule == "W2:FR~2026-02-16"  # anchored on the week's Monday
    assert Recurrence.from_rule("M1:D15,D1").rule == "M1:D1,D15"


BAD_RULES = ["", "X1", "W1", "W1:XX", "W0:MO", "M1:D32", "M1:D0", "M1:FR#6", "W2:FR", "W1:MO~2026-02-16", "Q4:D1", "Q0:D1",
             "Y:02-30", "Y:13-01", "D1@24:00", "D1@09:60", "M2:D5~2026-03-01", "W2:FR~2026-02", "D2~2026-02-30", "每周一"]


@pytest.mark.parametrize("rule", [pytest.param(r, id=f"bad-rule:{r or 'empty'}") for r in BAD_RULES])
def test_bad_rules_are_refused(rule):
    with pytest.raises(ValueError):
        Recurrence.from_rule(rule)


DESCRIPTIONS_EN = [
    ("W1:MO@09:00", "every Monday at 09:00"),
    ("W2:FR@15:00~2026-02-16", "every 2 weeks on Friday at 15:00"),
    ("W1:MO,TU,WE,TH,FR", "every weekday"),
    ("M1:FR#-1", "every month on the last Friday"),
    ("M1:D5", "every month on day 5"),
    ("Q1:D10@09:00", "every quarter, in month 1 of the quarter, on day 10 at 09:00"),
    ("Y:03-08", "every year on 8 March"),
    ("D2~2026-02-17", "every 2 days"),
]


@pytest.mark.parametrize(("rule", "text"), [pytest.param(*row, id=f"describe-en:{row[0]}") for row in DESCRIPTIONS_EN])
def test_describe_in_english(rule, text):
    assert Recurrence.from_rule(rule).describe("en") == text


def test_parse_recurrence_needs_an_aware_now():
    with pytest.raises(ValueError):
        parse_recurrence("每天", now=datetime(2026, 2, 16))
