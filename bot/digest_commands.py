"""CLI bodies: `digest preview`, `digest send` and `export all` (the workbook with the summary by town)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from bot.config import Settings
from bot.runtime import Runtime


def _week(text: str | None):  # noqa: ANN202
    from bot.commands import UsageError
    from services.digest_errors import BadWeek
    from services.weeks import parse_week

    if not text:
        return None
    try:
        return parse_week(text)
    except BadWeek:
        raise UsageError(f"{text!r} is not an ISO week like 2026-W47") from None


async def cmd_digest_preview(settings: Settings, args: argparse.Namespace) -> int:
    from bot.commands import open_runtime
    from bot.transports.console import plain
    from services.digest_runs import preview

    week = _week(args.week)
    rt = await open_runtime(settings)
    try:
        async with rt.db.begin() as session:
            parts = await preview(session, week=week, unit_id=None, now=rt.clock(), tz=settings.tz)
    finally:
        await rt.db.dispose()
    print("\n\n----------\n\n".join(plain(p) for p in parts))
    return 0


async def _deliver(rt: Runtime) -> int:
    from bot.app import build_application
    from bot.outbox_sender import drain

    app = build_application(rt)
    async with app:
        return await drain(app, rt)


async def cmd_digest_send(settings: Settings, args: argparse.Namespace) -> int:
    from bot.commands import open_runtime
    from services.digest_runs import active_bindings, send_week
    from services.weeks import last_complete_week

    rt = await open_runtime(settings)
    try:
        week = _week(args.week) or last_complete_week(rt.clock(), settings.tz)
        async with rt.db.begin() as session:
            bound = len(await active_bindings(session))
            queued = await send_week(session, week=week, force=args.force, now=rt.clock(), tz=settings.tz,
                                     chart_dir=rt.data_dir / "digest")
        for q in queued:
            print(f"{week.label}: queued {q.messages} message(s) for binding {q.binding_id} ({q.channel}), attempt {q.attempt}")
        if not bound:
            print("no group or robot receives the digest yet: send /setchat digest in the group first")
            return 1
        if not queued:
            print(f"{week.label} was already sent to every bound group and robot; add --force to send it again")
            return 0
        if settings.token:
            print(f"sent {await _deliver(rt)} message(s)")
        else:
            print("BOT_TOKEN is not set here: the running bot (run or scheduler) sends the queued messages")
    finally:
        await rt.db.dispose()
    return 0


async def cmd_export_all(settings: Settings, args: argparse.Namespace, start: date, end: date, out: Path) -> int:
    from bot.commands import UsageError, open_runtime
    from services.year_export import workbook

    if out.suffix.lower() != ".xlsx":
        raise UsageError("export all writes a workbook: --out must end in .xlsx")
    rt = await open_runtime(settings)
    try:
        async with rt.db.begin() as session:
            data = await workbook(session, start, end, tz=settings.tz)
    finally:
        await rt.db.dispose()
    out.write_bytes(data)
    print(f"wrote the summary by town and every table from {start} to {end} to {out}")
    return 0
