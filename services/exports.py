"""Exports for Excel: tables of plain values, written as XLSX (one sheet per table) or CSV with BOM."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Activity, Person, Unit


@dataclass(frozen=True)
class Table:
    name: str
    headers: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


ACTIVITY_HEADERS = ("编号", "日期", "时间", "单位编码", "单位", "主题", "类别", "对象", "参与人数", "其中未成年人",
                    "时长(小时)", "地点", "备注", "补录", "填报人", "填报时间")


async def activities_table(session: AsyncSession, start: date, end: date, *, tz: ZoneInfo) -> Table:
    """Every activity (not deleted) dated from `start` to `end` inclusive."""
    result = await session.execute(
        select(Activity, Unit.code, Unit.name, Person.name)
        .join(Unit, Unit.id == Activity.unit_id).join(Person, Person.id == Activity.reporter_id)
        .where(Activity.occurred_on >= start, Activity.occurred_on <= end, Activity.deleted_at.is_(None))
        .order_by(Activity.occurred_on, Activity.id)
    )
    rows = tuple(
        (a.id, a.occurred_on.isoformat(), a.occurred_at.astimezone(tz).strftime("%H:%M") if a.occurred_at else "",
         code, unit, a.title, a.category, "、".join(a.target_groups or []), a.participants, a.minors,
         round(a.minutes / 60, 2), a.place, a.notes, "是" if a.late else "", reporter,
         a.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"))
        for a, code, unit, reporter in result
    )
    return Table("活动", ACTIVITY_HEADERS, rows)


TABLES = {"activities": activities_table}

from services.meeting_export import meetings_table  # noqa: E402 (meetings)

TABLES["meetings"] = meetings_table

from services.funding_export import funding_events_table, funding_table  # noqa: E402 (funding)

TABLES.update(funding=funding_table, funding_events=funding_events_table)


async def export_table(session: AsyncSession, name: str, start: date, end: date, *, tz: ZoneInfo) -> Table:
    return await TABLES[name](session, start, end, tz=tz)


def to_csv(table: Table) -> bytes:
    """UTF-8 with BOM and CRLF, so Excel opens Chinese text cleanly."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(tables: list[Table]) -> bytes:
    """One sheet per table, headers bold and frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for table in tables:
        ws = wb.create_sheet(table.name[:31])
        ws.append(list(table.headers))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for row in table.rows:
            ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
