"""Scheduled entry point of funding: the daily reminder of reviews waiting more than 5 working days.

It opens its own transaction and reads `rt.clock()`; the outbox dedupe key holds the local date, so
running it twice a day, late, or after a restart reminds each reviewer of each request once that day.
"""

from __future__ import annotations

from bot.jobs import Job, queue_and_wake
from bot.runtime import Runtime
from services import funding_queue

NUDGE_CRON = "30 9 * * *"  # daily at 09:30 in BOT_TIMEZONE; the service skips public holidays and weekends


async def nudge_job(rt: Runtime) -> int:
    """Remind the reviewers of stuck funding requests (working days only)."""
    return await queue_and_wake(rt, funding_queue.remind_stuck)


def jobs(rt: Runtime) -> list[Job]:
    return [Job("funding-nudge", nudge_job, cron=NUDGE_CRON)]
