"""Job bodies of the digest feature: the weekly digest (on DIGEST_CRON and as a catch-up) and the daily nudges."""

from __future__ import annotations

import logging

from bot.jobs import queue_and_wake
from bot.runtime import Runtime
from services import nudges
from services.digest import queue_due_digests

log = logging.getLogger(__name__)
CATCH_UP_SECONDS = 300.0
NUDGE_CRON = "30 9 * * *"  # every day at 09:30; holidays and weekends are skipped by the service


async def digest_job(rt: Runtime) -> int:
    """Queue the due digest for every binding that has not had it (safe to run any number of times)."""
    async with rt.db.begin() as session:
        queued = await queue_due_digests(session, now=rt.clock(), tz=rt.settings.tz, cron=rt.settings.digest_cron,
                                         chart_dir=rt.data_dir / "digest")
    if queued:
        log.info("digest queued for %s binding(s)", queued)
        rt.outbox_wakeup()
    return queued


async def nudge_job(rt: Runtime) -> int:
    """Remind liaisons of quiet villages, once a week at most, on working days only."""
    return await queue_and_wake(rt, nudges.queue_nudges)
