"""Long polling: fetch updates, store them in the inbox before acknowledging, process them in order; the
scheduler's duties (jobs, outbox sender) run here too once this process holds the scheduler lock."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import Conflict, NetworkError, TimedOut
from telegram.ext import Application

from bot import inbox
from bot.app import register_commands
from bot.process import bot_process
from bot.runtime import Runtime
from bot.scheduler import LOST, lead

log = logging.getLogger(__name__)


async def poll(app: Application, rt: Runtime, stop: asyncio.Event, arrived: asyncio.Event) -> None:
    """Fetch → store → acknowledge (by asking for the next offset), until `stop`."""
    offset: int | None = None
    backoff = 1.0
    while not stop.is_set():
        try:
            updates = await app.bot.get_updates(offset=offset, timeout=rt.settings.poll_timeout,
                                                allowed_updates=Update.ALL_TYPES)
        except (TimedOut, NetworkError, Conflict) as exc:
            log.warning("getUpdates failed (%s); retrying in %.0f s", exc, backoff)
            await _sleep(stop, backoff)
            backoff = min(backoff * 2, 30)
            continue
        backoff = 1.0
        if updates:
            await inbox.receive(rt, [u.to_dict() for u in updates])
            offset = updates[-1].update_id + 1
            arrived.set()


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass


def _lead_status(task: asyncio.Task, stop: asyncio.Event) -> int:
    """Exit status from the scheduler duties' task: LOST if the lock went, 1 if they crashed, else 0."""
    if not task.done() or stop.is_set() or task.cancelled():
        return 0
    if task.exception() is not None:
        log.error("the scheduler duties failed", exc_info=task.exception())
        return 1
    return 0 if task.result() else LOST


async def run_polling(rt: Runtime) -> int:
    """The `run` command: polling and processing, plus (once this process holds the scheduler lock) the jobs
    and the outbox sender, until Ctrl-C/SIGTERM; returns the exit status."""
    arrived = asyncio.Event()
    async with bot_process(rt) as (app, stop):
        await app.bot.delete_webhook(drop_pending_updates=False)
        await register_commands(app)
        log.info("polling as @%s", app.bot.username)
        tasks = [asyncio.create_task(coro) for coro in (
            poll(app, rt, stop, arrived), inbox.keep_processing(app, rt, stop, arrived),
            lead(app, rt, stop, with_leftovers=False))]
        waiter = asyncio.create_task(stop.wait())
        await asyncio.wait([waiter, tasks[2]], return_when=asyncio.FIRST_COMPLETED)
        status = _lead_status(tasks[2], stop)
        stop.set()
        arrived.set()  # wake the processing loop now rather than at its next tick
        log.info("stopping: finishing the update in hand")
        tasks[0].cancel()  # an unacknowledged batch is simply fetched again next time
        await asyncio.wait(tasks[1:], timeout=10)
        for task in tasks:
            task.cancel()
        await asyncio.gather(waiter, *tasks, return_exceptions=True)
        log.info("stopped")
        return status
