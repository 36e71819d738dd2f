"""Scheduled jobs on PTB's JobQueue (APScheduler 3), in BOT_TIMEZONE; job bodies live in bot/jobs.py."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram.ext import Application

from bot import jobs
from bot.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass
class Scheduler:
    app: Application

    async def stop(self) -> None:
        if self.app.job_queue is not None and self.app.job_queue.scheduler.running:
            await self.app.job_queue.stop()


async def start_jobs(app: Application, rt: Runtime) -> Scheduler:
    """Register every job and start; the JobQueue takes BOT_TIMEZONE from the Application's Defaults(tzinfo=…)
    (without it, it would run in UTC), and cron triggers also get the zone explicitly."""
    jq = app.job_queue
    if jq.scheduler.timezone != rt.settings.tz:
        jq.scheduler.configure(**{**jq.scheduler_configuration, "timezone": rt.settings.tz})
    for job in jobs.schedule(rt):
        job.register(jq, rt)
        log.info("job %s: %s", job.name, job.describe)
    await jq.start()
    return Scheduler(app)
