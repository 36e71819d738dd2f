"""The scheduler's duties: the JobQueue jobs (in BOT_TIMEZONE), the outbox sender and leftover updates.

Only the process holding the scheduler lock (bot/leader.py) performs them: `python -m bot scheduler`
beside webhook workers, or `python -m bot run` on one machine. Job bodies live in bot/jobs.py.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram.ext import Application

from bot import inbox, jobs, leader
from bot.outbox_sender import Sender, run_sender
from bot.runtime import Runtime

log = logging.getLogger(__name__)
LEFTOVERS_EVERY = 5.0  # seconds between looks for updates a dead worker acknowledged but did not process
LOST = 3  # exit status when the scheduler lock was lost: the supervisor restarts the process as a standby


@dataclass
class Scheduler:
    app: Application

    async def stop(self) -> None:
        if self.app.job_queue is not None and self.app.job_queue.scheduler.running:
            await self.app.job_queue.stop()


def housekeeping() -> list[jobs.Job]:
    """The production plumbing's own jobs."""
    return [jobs.Job("prune_inbox", inbox.prune, interval=3600)]


async def start_jobs(app: Application, rt: Runtime) -> Scheduler:
    """Register every job and start; the JobQueue takes BOT_TIMEZONE from the Application's Defaults(tzinfo=…)
    (without it, it would run in UTC), and cron triggers also get the zone explicitly."""
    jq = app.job_queue
    if jq.scheduler.timezone != rt.settings.tz:
        jq.scheduler.configure(**{**jq.scheduler_configuration, "timezone": rt.settings.tz})
    for job in [*jobs.schedule(rt), *housekeeping()]:
        job.register(jq, rt)
        log.info("job %s: %s", job.name, job.describe)
    await jq.start()
    return Scheduler(app)


async def leftovers(app: Application, rt: Runtime, stop: asyncio.Event) -> None:
    """Process updates left unprocessed (a worker died after acknowledging them), every few seconds."""
    while not stop.is_set():
        try:
            if done := await inbox.process_pending(app, rt):
                log.info("processed %s leftover update(s)", done)
        except Exception:  # noqa: BLE001 - the database may be away for a moment
            log.exception("processing leftover updates failed; retrying")
        try:
            await asyncio.wait_for(stop.wait(), timeout=LEFTOVERS_EVERY)
        except asyncio.TimeoutError:
            pass


async def lead(app: Application, rt: Runtime, stop: asyncio.Event, *, with_leftovers: bool) -> bool:
    """Wait for the scheduler lock, then run the duties until `stop`; False when the lock was lost."""
    lock = leader.leader_for(rt.db)
    retry = rt.settings.leader_retry
    try:
        if not await leader.wait_to_lead(lock, stop, retry):
            return True
        duties_stop, wake = asyncio.Event(), asyncio.Event()
        rt.outbox_wakeup = wake.set
        scheduler = await start_jobs(app, rt)
        tasks = [asyncio.create_task(run_sender(app, rt, duties_stop, wake, Sender(app, rt)))]
        if with_leftovers:
            tasks.append(asyncio.create_task(leftovers(app, rt, duties_stop)))
        kept = await leader.watch(lock, stop, retry)
        duties_stop.set()
        wake.set()
        await asyncio.wait(tasks, timeout=10)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await scheduler.stop()
        return kept
    finally:
        await lock.release()


async def run_scheduler(rt: Runtime) -> int:
    """The `scheduler` command: lead (or stand by) until Ctrl-C/SIGTERM; exit status LOST if the lock is lost."""
    from bot.process import bot_process

    async with bot_process(rt, reorder_hold=inbox.REORDER_HOLD) as (app, stop):  # leftovers come from webhook workers
        log.info("scheduler started as %s", leader.holder())
        kept = await lead(app, rt, stop, with_leftovers=True)
        log.info("stopped")
        return 0 if kept else LOST
