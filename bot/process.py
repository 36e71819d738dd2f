"""What every long-running command (`run`, `webhook`, `scheduler`) shares: the Application with its
throttle, a stop event set by Ctrl-C or SIGTERM, and a clean teardown."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram.error import InvalidToken
from telegram.ext import Application

from bot import throttle
from bot.app import build_application
from bot.runtime import Runtime

log = logging.getLogger(__name__)


@asynccontextmanager
async def bot_process(rt: Runtime, *, reorder_hold: float | None = None) -> AsyncIterator[tuple[Application, asyncio.Event]]:
    """An initialised Application and the stop event; a token Telegram rejects ends the process with status 2."""
    app = build_application(rt)
    limiter = throttle.from_settings(rt.settings)
    app.bot_data["throttle"] = limiter
    if reorder_hold is not None:
        app.bot_data["reorder_hold"] = reorder_hold  # updates may reach this process out of order
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with app:
            yield app, stop
    except InvalidToken:
        log.error("Telegram rejected BOT_TOKEN; check it, or try `python -m bot console`")
        raise SystemExit(2) from None
    finally:
        if limiter is not None:
            await limiter.aclose()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
