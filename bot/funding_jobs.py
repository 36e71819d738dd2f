"""Scheduled entry point of funding: the daily reminder of reviews waiting more than 5 working days.

It opens its own transaction and reads `rt.clock()`; the outbox dedupe key holds the local date, so
running it twice a day, late, or after a restart reminds each reviewer of each request once that day.
"""

from __future__ import annotations

from bot.jobs import Job
from bot.runtime import Runtime
from services import funding_queue

NUDGE_CRON = "30 9 * * *"  # daily at 09:30 in BOT_TIMEZONE; the service skips public holidays and weekends


async def nudge_job(rt: Runtime) -> int:
    """Remind the reviewers of stuck funding requests (working days only)."""
    async with rt.db.begin() as session:
        queued = await funding_queue.remind_stuck(session, now=rt.clock(), tz=rt.settings.tz)
    if queued:
        rt.outbox_wakeup()
    return queued


def jobs(rt: Runtime) -> list[Job]:
    return [Job("funding-nudge", nudge_job, cron=NUDGE_CRON)]
