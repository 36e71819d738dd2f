"""The command line for operators and admins. Heavy imports happen inside the commands, so --help is instant."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

DESCRIPTION = """Chat-ops bot for community-education coordinators.

Settings come from environment variables or a .env file: BOT_TOKEN, TELEGRAM_API_URL,
DATABASE_URL (default sqlite+aiosqlite:///data/bot.db), BOT_TIMEZONE (default Asia/Shanghai),
WEBHOOK_URL, WEBHOOK_SECRET, PORT, DIGEST_CRON, REMINDER_OFFSETS, REDIS_URL, LOG_LEVEL.
Operations (webhook workers, one scheduler, backups): docs/operations.md."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="long-poll Telegram and run the scheduler in one process (needs BOT_TOKEN)",
                   description="Long-poll Telegram for updates and run the scheduled jobs and the outbox sender "
                               "in this one process. Needs BOT_TOKEN. Stop with Ctrl-C.")
    sub.add_parser("webhook", help="serve Telegram's webhook on PORT (no scheduler)",
                   description="Register WEBHOOK_URL with Telegram and serve it on PORT at that URL's path, checking "
                               "the X-Telegram-Bot-Api-Secret-Token header against WEBHOOK_SECRET; GET /healthz reports "
                               "health. Needs BOT_TOKEN, WEBHOOK_URL and WEBHOOK_SECRET. Several may run against one "
                               "PostgreSQL database. Runs no scheduler: start one `scheduler` process beside the webhook "
                               "workers.")
    sub.add_parser("scheduler", help="only the scheduled jobs and the outbox sender",
                   description="Run the scheduled jobs (reminders, digests), the outbox sender, and any update a "
                               "stopped webhook worker had acknowledged but not processed; receives no updates itself. "
                               "Needs BOT_TOKEN. If two are started, only one acts (it holds a lock in the database, or "
                               "a file beside a SQLite database); the other waits and takes over when the first stops.")
    c = sub.add_parser("console", help="chat with the bot in this terminal, no token and no network",
                       description="Chat with the bot in the terminal through the very same handlers, on the configured "
                                   "database (the demo county is loaded if the database is empty). Buttons are shown as "
                                   "numbered choices: type the number to press one.")
    c.add_argument("--as", dest="phone", metavar="PHONE", help="the roster person's mobile number to sign in as "
                   "(default: the demo liaison)")
    sub.add_parser("demo", help="fill the database with a demo county",
                   description="Fill the database with a demo county: units, people and roles, and a few weeks of "
                               "activities. Does nothing if the demo county is already there.")
    db = sub.add_parser("db", help="database upkeep: upgrade, backup", description="Database upkeep.")
    dbs = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    dbs.add_parser("upgrade", help="apply migrations (every command also does this on start)",
                   description="Apply the database migrations up to the newest one.")
    b = dbs.add_parser("backup", help="a consistent copy of the database",
                       description="SQLite: write a consistent copy of the live database to FILE (safe while the bot "
                                   "runs). PostgreSQL: prints the pg_dump command to use (see docs/operations.md).")
    b.add_argument("file", metavar="FILE")
    r = sub.add_parser("roster", help="import or export the roster file", description="Roster file import and export.")
    rs = r.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    ri = rs.add_parser("import", help="show what a roster file would change; apply it with --apply",
                       description="Read a CSV or XLSX roster, print the diff (added / changed / deactivated) and apply "
                                   "it only with --apply. Exit status 1, nothing written, if any row is invalid; each "
                                   "invalid row is reported with its number.")
    ri.add_argument("file", metavar="FILE")
    ri.add_argument("--apply", action="store_true", help="write the changes")
    re_ = rs.add_parser("export", help="write the current roster (CSV or XLSX by the file's extension)",
                        description="Write the current roster in the import format; .xlsx gives a workbook, "
                                    "anything else UTF-8 CSV with BOM.")
    re_.add_argument("file", metavar="FILE")
    e = sub.add_parser("export", help="export data for a span of dates to XLSX or CSV",
                       description="Export a table for the span of dates (inclusive) to FILE.xlsx or FILE.csv "
                                   "(CSV is UTF-8 with BOM so Excel opens it cleanly).")
    e.add_argument("table", choices=["activities", "meetings", "funding", "funding_events", "all"],
                   help="what to export; funding: the requests submitted in the span; funding_events: every step "
                        "taken on requests in the span (who, when, from, to, amount, reason); all: a workbook with a "
                        "summary by town and one sheet per table (.xlsx only)")
    e.add_argument("--from", dest="date_from", required=True, metavar="DATE", help="first day, YYYY-MM-DD")
    e.add_argument("--to", dest="date_to", required=True, metavar="DATE", help="last day, YYYY-MM-DD")
    e.add_argument("--out", required=True, metavar="FILE", help="FILE.xlsx or FILE.csv")
    # commands: digest
    d = sub.add_parser("digest", help="print the weekly digest, or send it now",
                       description="The weekly digest: activities, targets, what is waiting and next week's meetings. "
                                   "It goes out by itself at DIGEST_CRON to every group set with /setchat digest.")
    ds = d.add_subparsers(dest="digest_command", metavar="ACTION", required=True)
    for name, text in (("preview", "print the digest text for a week (default: the last complete week); sends nothing"),
                       ("send", "send the digest of a week (default: the last complete week) to every bound group and "
                                "robot that has not had it; with BOT_TOKEN set it is sent at once, otherwise the "
                                "running bot sends it")):
        a = ds.add_parser(name, help=text.split(";")[0], description=text[0].upper() + text[1:] + ".")
        a.add_argument("--week", metavar="YYYY-Www", help="the ISO week, e.g. 2026-W47")
        a.set_defaults(command=f"digest_{name}")
        if name == "send":
            a.add_argument("--force", action="store_true", help="send it again where it was already sent")
    return p


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the command; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    from bot import commands

    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=getattr(logging, level, logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if level != "DEBUG":  # DEBUG shows every HTTP request too (the token is redacted: bot/logsafe.py)
        for noisy in ("httpx", "httpcore", "apscheduler", "alembic.runtime.migration", "aiosqlite"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return asyncio.run(commands.dispatch(args))
    except KeyboardInterrupt:
        return 130
    except commands.UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


