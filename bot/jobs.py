"""Thin scheduled entry points: each calls a service with the clock's `now` in its own transaction.

A job is either periodic (`interval` seconds) or a cron expression read in BOT_TIMEZONE. Job bodies
take the Runtime and must be safe to run twice (they rely on UNIQUE rows and the outbox's dedupe
keys, never on the scheduler running them exactly once).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apscheduler.triggers.cron import CronTrigger
from telegram.ext import JobQueue

from bot.runtime import Runtime

Body = Callable[[Runtime], Awaitable[object]]


@dataclass(frozen=True)
class Job:
    """A job body run every `interval` seconds, or on a `cron` schedule (crontab syntax) in the bot's zone."""

    name: str
    body: Body
    interval: float | None = None
    cron: str | None = None

    @property
    def describe(self) -> str:
        return f"every {self.interval:g} s" if self.interval else f"cron {self.cron!r}"

    def register(self, jq: JobQueue, rt: Runtime) -> None:
        body = self.body

        async def callback(context) -> None:  # noqa: ANN001
            await body(context.application.bot_data["rt"])

        kwargs = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        if self.cron:
            trigger = CronTrigger.from_crontab(self.cron, timezone=rt.settings.tz)
            jq.run_custom(callback, job_kwargs={"trigger": trigger, **kwargs}, name=self.name)
        else:
            jq.run_repeating(callback, interval=self.interval, first=1, name=self.name, job_kwargs=kwargs)


async def queue_and_wake(rt: Runtime, service: Callable[..., Awaitable[int]], **kwargs: object) -> int:
    """Run a service that queues messages, in its own transaction at `rt.clock()`; wake the sender if it did."""
    async with rt.db.begin() as session:
        queued = await service(session, now=rt.clock(), tz=rt.settings.tz, **kwargs)
    if queued:
        rt.outbox_wakeup()
    return queued


def schedule(rt: Runtime) -> list[Job]:
    """Every job of this deployment. Each feature adds its entries below its marker line."""
    jobs: list[Job] = []
    # jobs: funding
    from bot import funding_jobs

    jobs += funding_jobs.jobs(rt)
    # jobs: meetings
    from bot import meeting_jobs

    jobs += meeting_jobs.jobs(rt)
    # jobs: digest
    from bot.digest_jobs import CATCH_UP_SECONDS, NUDGE_CRON, digest_job, nudge_job

    jobs += [Job("digest", digest_job, cron=rt.settings.digest_cron),
             Job("digest-catch-up", digest_job, interval=CATCH_UP_SECONDS),  # first run at start: a missed digest goes out
             Job("nudges", nudge_job, cron=NUDGE_CRON)]
    return jobs
