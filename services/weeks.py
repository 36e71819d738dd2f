"""ISO weeks (Monday–Sunday, local dates) and when a cron schedule last fired, in the bot's zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.digest_errors import BadWeek

_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.I)
LOOKBACK_DAYS = (8, 32, 400)


@dataclass(frozen=True)
class Week:
    """One ISO week: `label` like 2026-W47, `start` its Monday, `end` its Sunday."""

    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def start(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    def shift(self, weeks: int) -> Week:
        return week_of(self.start + timedelta(weeks=weeks))

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Local Monday 00:00 to the next Monday 00:00, as aware datetimes."""
        return midnight(self.start, tz), midnight(self.end + timedelta(days=1), tz)


def week_of(day: date) -> Week:
    iso = day.isocalendar()
    return Week(iso.year, iso.week)


def parse_week(text: str) -> Week:
    """`2026-W47` (or 2026W47) as a Week; BadWeek for anything else or a week that does not exist."""
    m = _WEEK.match(text or "")
    if not m:
        raise BadWeek(text=(text or "")[:20])
    try:
        return week_of(date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1))
    except ValueError:
        raise BadWeek(text=text[:20]) from None


def midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def last_complete_week(now: datetime, tz: ZoneInfo) -> Week:
    """The latest ISO week that has fully ended by `now` (local)."""
    today = now.astimezone(tz).date()
    return week_of(today - timedelta(days=today.weekday() + 1))


def _trigger(cron: str, tz: ZoneInfo):  # noqa: ANN202
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger.from_crontab(cron, timezone=tz)


def last_fire(cron: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """When the cron schedule last fired at or before `now` (None if not within a year)."""
    trigger = _trigger(cron, tz)
    local_now = now.astimezone(tz)
    for days in LOOKBACK_DAYS:
        previous, fire = None, trigger.get_next_fire_time(None, local_now - timedelta(days=days))
        while fire is not None and fire <= local_now:
            previous, fire = fire, trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        if previous is not None:
            return previous
    return None


def next_fire(cron: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """When the cron schedule fires next after `now`, local time."""
    return _trigger(cron, tz).get_next_fire_time(None, now.astimezone(tz) + timedelta(seconds=1))
