"""The CLI commands' bodies. Each builds its collaborators from Settings and tears them down."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from bot import logsafe
from bot.config import Settings
from bot.runtime import FileClock, Runtime
from storage.db import Database
from storage.migrate import upgrade


class UsageError(Exception):
    """A command was given something it cannot use; printed without a traceback."""


async def open_runtime(settings: Settings) -> Runtime:
    """Migrate the database and return the process's Runtime (BOT_CLOCK_FILE, for process tests, moves its clock)."""
    await upgrade(settings.database_url)
    rt = Runtime(settings=settings, db=Database(settings.database_url))
    if os.environ.get("BOT_CLOCK_FILE"):
        rt.clock = FileClock(os.environ["BOT_CLOCK_FILE"])
    return rt


async def dispatch(args: argparse.Namespace) -> int:
    settings = Settings()
    logsafe.install([settings.token or "", settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""])
    name = args.command if args.command not in ("db", "roster") else f"{args.command}_{getattr(args, args.command + '_command')}"
    fn = COMMANDS[name]
    return await fn(settings, args)


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.token:
        print("BOT_TOKEN is not set. To try the bot without Telegram, run: python -m bot console", file=sys.stderr)
        return 2
    from bot.transports.polling import run_polling

    rt = await open_runtime(settings)
    try:
        return await run_polling(rt)
    finally:
        await rt.db.dispose()


async def cmd_webhook(settings: Settings, args: argparse.Namespace) -> int:
    from bot.transports.webhook import ConfigError, check_settings, run_webhook

    try:
        check_settings(settings)  # refuse before touching the database
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    rt = await open_runtime(settings)
    try:
        return await run_webhook(rt)
    finally:
        await rt.db.dispose()


async def cmd_scheduler(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.token:
        print("BOT_TOKEN is not set: the scheduler sends messages to Telegram. To try the bot without Telegram, "
              "run: python -m bot console", file=sys.stderr)
        return 2
    from bot.scheduler import run_scheduler

    rt = await open_runtime(settings)
    try:
        return await run_scheduler(rt)
    finally:
        await rt.db.dispose()


async def cmd_console(settings: Settings, args: argparse.Namespace) -> int:
    from bot.transports.console import run_console

    rt = await open_runtime(settings)
    try:
        return await run_console(rt, phone=args.phone)
    finally:
        await rt.db.dispose()


async def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from services import demo

    rt = await open_runtime(settings)
    try:
        async with rt.db.begin() as session:
            made = await demo.load_demo(session, now=rt.clock(), tz=settings.tz)
    finally:
        await rt.db.dispose()
    print("demo county loaded" if made else "the demo county is already there")
    return 0


async def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    await upgrade(settings.database_url)
    print("database is up to date")
    return 0


async def cmd_db_backup(settings: Settings, args: argparse.Namespace) -> int:
    from storage.backup import backup

    rt = await open_runtime(settings)
    try:
        message = await backup(rt.db, Path(args.file))
    finally:
        await rt.db.dispose()
    print(message)
    return 0


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


async def cmd_roster_import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.render import roster_diff_lines, roster_error_lines
    from services import roster
    from services.errors import DomainError
    from services.roster_file import parse_roster

    data = _read(args.file)
    try:
        parsed = parse_roster(data, args.file)
    except DomainError as exc:
        from handlers.errors import render_error
        from services.i18n import translator

        print(render_error(exc, translator("en")), file=sys.stderr)
        return 1
    if parsed.errors:
        print("\n".join(roster_error_lines(parsed.errors)), file=sys.stderr)
        print(f"{len(parsed.errors)} invalid row(s); nothing was written.", file=sys.stderr)
        return 1
    rt = await open_runtime(settings)
    try:
        async with rt.db.begin() as session:
            today = rt.clock().astimezone(settings.tz).date()
            if args.apply:
                diff = await roster.apply_roster(session, parsed, now=rt.clock(), today=today, actor_id=None)
            else:
                diff = await roster.diff_roster(session, parsed, today=today)
    finally:
        await rt.db.dispose()
    print("\n".join(roster_diff_lines(diff)))
    print("applied." if args.apply and not diff.empty else ("" if diff.empty else "not applied: run again with --apply"))
    return 0


async def cmd_roster_export(settings: Settings, args: argparse.Namespace) -> int:
    from services import roster

    rt = await open_runtime(settings)
    try:
        async with rt.db.begin() as session:
            rows = await roster.export_rows(session, today=rt.clock().astimezone(settings.tz).date())
    finally:
        await rt.db.dispose()
    out = Path(args.file)
    data = roster.rows_to_xlsx(rows, "花名册") if out.suffix.lower() == ".xlsx" else roster.rows_to_csv(rows)
    out.write_bytes(data)
    print(f"wrote {len(rows) - 1} rows to {out}")
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{text!r} is not a date like 2026-11-01") from None


async def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from services import exports

    start, end = _date(args.date_from), _date(args.date_to)
    if end < start:
        raise UsageError("--to is before --from")
    out = Path(args.out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise UsageError("--out must end in .xlsx or .csv")
    if args.table == "all":  # the digest feature's workbook: summary by town + every table
        from bot.digest_commands import cmd_export_all

        return await cmd_export_all(settings, args, start, end, out)
    rt = await open_runtime(settings)
    try:
        async with rt.db.begin() as session:
            table = await exports.export_table(session, args.table, start, end, tz=settings.tz)
    finally:
        await rt.db.dispose()
    out.write_bytes(exports.to_xlsx([table]) if out.suffix.lower() == ".xlsx" else exports.to_csv(table))
    print(f"wrote {len(table.rows)} {args.table} to {out}")
    return 0


COMMANDS = {
    "run": cmd_run,
    "webhook": cmd_webhook,
    "scheduler": cmd_scheduler,
    "console": cmd_console,
    "demo": cmd_demo,
    "db_upgrade": cmd_db_upgrade,
    "db_backup": cmd_db_backup,
    "roster_import": cmd_roster_import,
    "roster_export": cmd_roster_export,
    "export": cmd_export,
}
# commands: digest
from bot.digest_commands import cmd_digest_preview, cmd_digest_send  # noqa: E402

COMMANDS.update(digest_preview=cmd_digest_preview, digest_send=cmd_digest_send)
