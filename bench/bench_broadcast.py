"""Broadcast: reminders queued in the outbox, delivered by the real sender to a loopback Bot API server
that enforces 30 messages a second and answers some 429s."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bench.common import PG_SKIPPED, Figure, backends, fresh_database, settings_for, skipped

NAME = "broadcast"
TITLE = "Broadcast: 1 000 reminders through the outbox at Telegram's pace"
TOKEN = "123456:bench-broadcast"
FORCED_429 = 5  # forced 429s per run: every (N/5)th send, i.e. every 200th of 1 000
ABOUT = (
    "N reminders are queued with `services.outbox.enqueue` (one transaction, distinct chats and texts), then "
    "the real sender (`bot.outbox_sender.run_sender`, the loop `python -m bot run` uses, with its own pacing) "
    "delivers them over HTTP to the loopback Bot API server `tests/support/botapi.py`, "
    "which enforces 30 messages per sliding second (answering 429 with `retry_after` beyond that) and, "
    f"on top, answers every (N/{FORCED_429})th send (every 200th of 1 000) with a 429 `retry_after 1`. "
    "The clock runs from starting the sender until the server has accepted the Nth message; the floor is "
    "N/30 s, the fastest Telegram allows. "
    "Delivered counts the server's accepted sends, duplicates are texts accepted twice, and every outbox row "
    "must end `sent`."
)

ANALYSIS = (
    "Each 429 defers its chat by `retry_after` (1 s) in the database, and two in a row pause the whole sender "
    "(bot/outbox_sender.py); between sends each message costs a claim and a mark (two transactions) on top of "
    "the HTTP call. The pacing (`Pacer`: 30 per sliding second with a 20 ms margin) is the first place to look."
)


def limits(results: list[dict[str, float]], n: int) -> str:
    """What the slowest run lost beyond N/30 s."""
    worst = max(results, key=lambda r: r["elapsed"])
    return (f"the slowest run took {worst['elapsed'] - n / 30:.1f} s more than N/30 and met {int(worst['429'])} "
            f"answers of 429 ({FORCED_429} of them forced).")


async def one_run(backend: str, workdir: Path, n: int, tag: str) -> dict[str, float]:
    """Queue n reminders on a fresh database and deliver them; returns elapsed s, delivered, duplicates, 429s."""
    from sqlalchemy import func, select

    from bot.app import build_application
    from bot.outbox_sender import run_sender
    from bot.runtime import Runtime
    from services.outbox import enqueue
    from storage.db import Database
    from storage.models import OutboxMessage
    from tests.support.botapi import BotApiServer

    url = await fresh_database(backend, workdir, f"broadcast-{tag}.db")
    server = BotApiServer(token=TOKEN, fail_429_every=n // FORCED_429).start_in_thread()
    try:
        rt = Runtime(settings=settings_for(url, workdir, bot_token=TOKEN, telegram_api_url=server.base_url),
                     db=Database(url))
        async with rt.db.begin() as session:
            for i in range(n):
                await enqueue(session, now=rt.clock(), dedupe_key=f"bench:{tag}:{i}", chat_id=50_000 + i,
                              text=f"⏰ 提醒：明天上午9点 社区教育工作例会（第{i + 1}号通知）")
        app = build_application(rt)  # real HTTP requests, as in production
        async with app:
            server.reset_records()  # the flood window starts empty
            stop, wake = asyncio.Event(), asyncio.Event()
            t0 = time.perf_counter()
            sender = asyncio.create_task(run_sender(app, rt, stop, wake))
            # a generous timeout: a stuck row shows as a slow run, not as a broken benchmark
            await server.wait_for(lambda api: api.stats["ok"] >= n, timeout=n / 30 * 4 + 90)
            elapsed = time.perf_counter() - t0
            await asyncio.sleep(0.2)  # anything sent twice would show up now
            stop.set()
            wake.set()
            await asyncio.wait_for(sender, timeout=30)
        async with rt.db.begin() as session:
            marked = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                          .where(OutboxMessage.state == "sent"))
        await rt.db.dispose()
        stats = server.stats
        delivered = len([m for m in server.sent if m["method"] == "sendMessage"])
        duplicates = sum(c - 1 for c in server.duplicates().values())
        if marked != n:
            raise RuntimeError(f"{marked} of {n} outbox rows marked sent")
        return {"elapsed": elapsed, "delivered": delivered, "duplicates": duplicates, "429": stats["429"]}
    finally:
        server.stop()


async def measure(label: str, backend: str, n: int, runs: int, workdir: Path) -> list[Figure]:
    results = [await one_run(backend, workdir, n, f"{label}{i}") for i in range(runs)]
    floor = n / 30
    ratios = tuple(r["elapsed"] / floor for r in results)
    delivered = tuple(float(r["delivered"]) for r in results)
    dups = tuple(float(r["duplicates"]) for r in results)
    met = max(ratios) <= 1.1
    figures = [
        Figure(NAME, f"{n} reminders, elapsed, {label}", "s", tuple(r["elapsed"] for r in results),
               note=f"floor N/30 = {floor:.1f} s; 429 answers per run (forced + flood): "
                    + ", ".join(str(int(r["429"])) for r in results)),
        Figure(NAME, f"elapsed ÷ floor (N/30 s), {label}", "x", ratios, "<= 1.1x", met,
               limits="" if met else limits(results, n)),
        Figure(NAME, f"delivered, {label}", "messages", delivered, f"exactly {n}", all(d == n for d in delivered)),
        Figure(NAME, f"duplicates, {label}", "messages", dups, "0", all(d == 0 for d in dups)),
    ]
    return figures


async def _run(quick: bool) -> list[Figure]:
    n, runs = (100, 1) if quick else (1000, 3)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as tmp:
        for label, backend in backends():
            if backend is None or (quick and label != "SQLite"):
                why = "--quick runs this benchmark on SQLite only; the full run measures PostgreSQL too"
                figures.append(skipped(NAME, f"elapsed ÷ floor (N/30 s), {label}", "x", why if quick else PG_SKIPPED,
                                       "<= 1.1x"))
                continue
            figures += await measure(label, backend, n, runs if label == "SQLite" else 1, Path(tmp))
    return figures


def run(quick: bool) -> list[Figure]:
    """The broadcast figures on SQLite, and on PostgreSQL when one is configured."""
    return asyncio.run(_run(quick))
