"""Scheduled entry points of meetings: the reminder sweep, the daily minutes nudge, the weekly compliance warning.

Each opens its own transaction and reads `rt.clock()`; each is safe to run twice (UNIQUE rows and
outbox dedupe keys), so the scheduler firing late, twice or after a restart changes nothing.
"""

from __future__ import annotations

import logging

from bot.jobs import Job, queue_and_wake
from bot.runtime import Runtime
from services import compliance, meeting_minutes, reminders

log = logging.getLogger(__name__)
NUDGE_CRON = "0 9 * * *"  # daily at 09:00 in BOT_TIMEZONE; the services skip public holidays


async def sweep_job(rt: Runtime) -> reminders.SweepResult:
    """Reminders due now, next occurrences of series, minutes asked for meetings just ended."""
    async with rt.db.begin() as session:
        result = await reminders.sweep(session, now=rt.clock(), offsets=rt.settings.offsets, tz=rt.settings.tz,
                                       interval=rt.settings.sweep_interval)
    if result.messages or result.occurrences or result.minutes_asked:
        log.info("meeting sweep: %s reminder message(s), %s new occurrence(s), %s minutes request(s)",
                 result.messages, result.occurrences, result.minutes_asked)
        rt.outbox_wakeup()
    return result


async def minutes_job(rt: Runtime) -> int:
    """Nudge organisers whose meetings still lack minutes (working days only)."""
    return await queue_and_wake(rt, meeting_minutes.nudge_minutes)


async def compliance_job(rt: Runtime) -> int:
    """From 1 November, warn organisers of bodies behind their yearly minimum (weekly, working days only)."""
    return await queue_and_wake(rt, compliance.warn_behind)


def jobs(rt: Runtime) -> list[Job]:
    return [
        Job("meeting-sweep", sweep_job, interval=rt.settings.sweep_interval),
        Job("minutes-nudge", minutes_job, cron=NUDGE_CRON),
        Job("meeting-compliance", compliance_job, cron=NUDGE_CRON),
    ]
