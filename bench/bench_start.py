"""Start and memory: `python -m bot run` as a real process against the loopback Bot API server, `--help`,
and the resident memory of the running bot, idle and after thousands of updates."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, Figure, fresh_database, roster_csv, settings_for

NAME = "start"
TITLE = "Start and memory: python -m bot run as a real process"
TOKEN = "123456:bench-start"
USERS = 100  # liaisons taking turns: each sends 18 updates a minute, under the per-person throttle
LINE = "/log 昨天 老年健康讲座 45人 2小时 老年教育 村文化礼堂"
ABOUT = (
    "`python -m bot run` is started as a real process (SQLite database, already migrated, with a roster of "
    f"{USERS} village liaisons) against the loopback Bot API server `tests/support/botapi.py`, with a `/start` "
    "from a stranger already waiting: the clock runs from starting the process until the server has received "
    "the bot's reply (Python start, imports, the migration check, getMe, deleteWebhook, setMyCommands, the "
    "first getUpdates, the update stored, processed and answered). `python -m bot --help` is timed the same "
    "way. Memory is the process's resident set (VmRSS in /proc/PID/status): idle after start, then while the "
    f"{USERS} liaisons sign in and log activities in waves (`/log` one-liner, then ✅ on its card, pushed through "
    "the server's update queue and fetched by long polling) until N updates have been processed; growth is "
    "measured from the end of the first tenth (warm-up) to the end. Every reply goes through python-telegram-"
    "bot's `AIORateLimiter`, so the bot answers at most 30 messages a second: N = 10 000 takes at least 5½ "
    "minutes, which is why memory is one run."
)
LIMITS = {  # shown only when a goal is missed
    "help": "`--help` should import nothing but argparse (bot/cli.py keeps heavy imports inside the commands): "
            "`python -X importtime -m bot --help` shows what crept in.",
    "start": "Start-up is imports (python-telegram-bot, SQLAlchemy, Alembic for the migration check), then getMe, "
             "deleteWebhook and three setMyCommands before the first getUpdates; `python -X importtime -m bot run` "
             "and the bot's log timestamps show which grew.",
    "rss": "The resident set is mostly imported code (python-telegram-bot, SQLAlchemy, Alembic, APScheduler, "
           "dateparser once a date falls back to it); compare `tracemalloc` snapshots of an idle bot.",
    "growth": "Growth after warm-up points at something kept per update or per person: PTB's per-chat data, "
              "the throttle's buckets, SQLAlchemy's statement cache; compare `tracemalloc` snapshots taken a few "
              "thousand updates apart.",
}


def bot_env(api_url: str, db_url: str, workdir: Path) -> dict[str, str]:
    """The environment of the bot process: this machine's, minus any bot settings, plus the test server's."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BOT_", "TELEGRAM_", "DATABASE_", "WEBHOOK_", "REDIS_", "THROTTLE_", "OUTBOX_"))}
    env.update(BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api_url, DATABASE_URL=db_url, DATA_DIR=str(workdir / "files"),
               POLL_TIMEOUT="10", PYTHONUNBUFFERED="1")
    return env


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MB (VmRSS)."""
    for text in Path(f"/proc/{pid}/status").read_text().splitlines():
        if text.startswith("VmRSS:"):
            return int(text.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def help_times(runs: int) -> list[float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    subprocess.run([sys.executable, "-m", "bot", "--help"], cwd=ROOT, env=env, check=True, capture_output=True)
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "--help"], cwd=ROOT, env=env, check=True, capture_output=True)
        out.append(time.perf_counter() - t0)
    return out


async def _prepare(workdir: Path) -> tuple[str, list[str]]:
    """A migrated SQLite database with the benchmark roster; returns its URL and the liaisons' numbers."""
    from bot.runtime import Runtime
    from services.roster import apply_roster
    from services.roster_file import parse_roster
    from storage.db import Database

    url = await fresh_database("sqlite", workdir, "start.db")
    rt = Runtime(settings=settings_for(url, workdir), db=Database(url))
    data, phones = roster_csv(USERS, towns=4, prefix="S")
    now = rt.clock()
    async with rt.db.begin() as session:
        await apply_roster(session, parse_roster(data, "roster.csv"), now=now, today=now.date().replace(day=1),
                           actor_id=None)
    await rt.db.dispose()
    return url, phones


class Bot:
    """One `python -m bot run` process and the loopback server it talks to."""

    def __init__(self, server: Any, db_url: str, workdir: Path, n: int) -> None:
        self.server, self.db_url, self.workdir, self.n = server, db_url, workdir, n

    def start(self) -> float:
        """Start the process with a /start waiting; seconds until the server has its reply."""
        stranger = 9_000 + self.n
        self.server.push_message(stranger, "/start", language_code="zh-hans")
        self.log = open(self.workdir / f"bot-{self.n}.log", "wb")  # noqa: SIM115 - closed in stop()
        t0 = time.perf_counter()
        env = bot_env(self.server.base_url, self.db_url, self.workdir)
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env)
        self.wait(lambda api: any(m["chat_id"] == stranger for m in api._sent), 30, "the reply to /start")
        return time.perf_counter() - t0

    def wait(self, predicate: Any, timeout: float, what: str) -> None:
        try:
            self.server.wait_until(predicate, timeout)
        except TimeoutError:
            tail = (self.workdir / f"bot-{self.n}.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the bot did not send {what} within {timeout} s; its log ends:\n{tail}") from None

    def stop(self, kill: bool = False) -> None:
        """Ctrl-C and wait for a clean exit (or, for runs that only time the start, SIGKILL)."""
        if kill and self.proc.poll() is None:
            self.proc.kill()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def _sent_since(server: Any, start: int) -> list[dict]:
    with server._lock:
        return list(server._sent[start:])


def drive(bot: Bot, phones: list[str], updates: int) -> tuple[float, float, float, int]:
    """Sign the liaisons in, then /log + ✅ in waves until `updates` updates; RSS idle, at warm-up, at the end."""
    server, pid = bot.server, bot.proc.pid
    time.sleep(2)
    idle = rss_mb(pid)
    users = [7_000 + i for i in range(len(phones))]
    mark = len(server._sent)
    for uid, phone in zip(users, phones):
        server.push_contact(uid, phone)
    bot.wait(lambda api: len(api._sent) - mark >= len(users), 60, "the sign-in greetings")
    done, warm = len(users), None
    while done < updates:
        mark = len(server._sent)
        for uid in users:
            server.push_message(uid, LINE, language_code="zh-hans")
        bot.wait(lambda api: len(api._sent) - mark >= len(users), 60, "the /log cards")
        cards = {m["chat_id"]: m for m in _sent_since(server, mark) if m.get("reply_markup")}
        if len(cards) != len(users):
            raise RuntimeError(f"{len(cards)} cards for {len(users)} /log messages")
        mark = len(server._sent)
        for uid in users:
            ok = cards[uid]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
            server.push_callback(uid, ok, message_id=cards[uid]["message_id"])
        bot.wait(lambda api: len(api._sent) - mark >= len(users), 60, "the saved confirmations")
        saved = [m for m in _sent_since(server, mark) if "#" in (m.get("text") or "")]
        if len(saved) != len(users):
            raise RuntimeError(f"{len(saved)} activities saved for {len(users)} presses")
        done += 2 * len(users)
        if warm is None and done >= updates // 10:
            warm = rss_mb(pid)
    return idle, warm or rss_mb(pid), rss_mb(pid), done


def run(quick: bool) -> list[Figure]:
    """Help and start times over several runs; memory over one long run."""
    from tests.support.botapi import BotApiServer

    runs, updates = (2, 1_000) if quick else (5, 10_000)
    helps = help_times(runs)
    starts: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        workdir = Path(tmp)
        db_url, phones = asyncio.run(_prepare(workdir))
        server = BotApiServer(token=TOKEN).start_in_thread()
        try:
            for n in range(runs):
                bot = Bot(server, db_url, workdir, n)
                last = n == runs - 1
                try:
                    starts.append(bot.start())
                    if last:
                        idle, warm, end, done = drive(bot, phones, updates)
                finally:
                    bot.stop(kill=not last)  # a clean Ctrl-C takes the bot a few seconds: once is enough
                if last and bot.proc.returncode != 0:
                    raise RuntimeError(f"the bot exited with {bot.proc.returncode} after Ctrl-C")
        finally:
            server.stop()
    growth = (end - warm) / warm * 100
    return [
        Figure(NAME, "python -m bot --help", "s", tuple(helps), "< 1 s", max(helps) < 1.0,
               limits=LIMITS.get("help", "")),
        Figure(NAME, "python -m bot run → first update answered", "s", tuple(starts), "< 3 s", max(starts) < 3.0,
               note="a fresh process each run, same database", limits=LIMITS.get("start", "")),
        Figure(NAME, "RSS of the idle bot", "MB", (idle,), "< 150 MB", idle < 150, limits=LIMITS.get("rss", "")),
        Figure(NAME, f"RSS after {done:,} updates", "MB", (end,), "< 150 MB", end < 150,
               note=f"sign-ins, then /log + ✅ by {USERS} liaisons; {(done - USERS) // 2:,} activities saved",
               limits=LIMITS.get("rss", "")),
        Figure(NAME, "RSS growth after warm-up", "%", (growth,), "<= 10 %", growth <= 10,
               note=f"{warm:.1f} MB after the first tenth of the updates → {end:.1f} MB at the end",
               limits=LIMITS.get("growth", "")),
    ]
