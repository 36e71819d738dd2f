"""Long polling: fetch updates, store them in the inbox before acknowledging, process them in order."""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, TimedOut
from telegram.ext import Application

from bot import inbox
from bot.app import build_application, register_commands
from bot.outbox_sender import run_sender
from bot.runtime import Runtime
from bot.scheduler import start_jobs

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


async def process(app: Application, rt: Runtime, stop: asyncio.Event, arrived: asyncio.Event) -> None:
    """Process stored updates whenever some arrive (and once at start, for any left by a crash)."""
    while not stop.is_set():
        arrived.clear()
        try:
            await inbox.process_pending(app, rt)
        except Exception:
            log.exception("processing updates failed; retrying")
        try:
            await asyncio.wait_for(arrived.wait(), timeout=5)
        except asyncio.TimeoutError:
            pass


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except asyncio.TimeoutError:
        pass


async def run_polling(rt: Runtime) -> None:
    """The `run` command: polling, processing, the outbox sender and the scheduled jobs, until Ctrl-C/SIGTERM."""
    app = build_application(rt)
    stop, arrived, wake = asyncio.Event(), asyncio.Event(), asyncio.Event()
    rt.outbox_wakeup = wake.set
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with app:
            await app.bot.delete_webhook(drop_pending_updates=False)
            await register_commands(app)
            log.info("polling as @%s", app.bot.username)
            scheduler = await start_jobs(app, rt)
            tasks = [asyncio.create_task(coro) for coro in (
                poll(app, rt, stop, arrived), process(app, rt, stop, arrived), run_sender(app, rt, stop, wake))]
            await stop.wait()
            log.info("stopping: finishing the update in hand")
            tasks[0].cancel()  # an unacknowledged batch is simply fetched again next time
            await asyncio.wait(tasks[1:], timeout=10)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await scheduler.stop()
            log.info("stopped")
    except InvalidToken:
        log.error("Telegram rejected BOT_TOKEN; check it, or try `python -m bot console`")
        raise SystemExit(2) from None
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
