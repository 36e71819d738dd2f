"""The year's data as one workbook: a summary sheet by town, then one sheet per registered export table."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services import exports
from services import report_queries as q
from services.digest_errors import MayNotExport
from services.exports import Table
from services.people import Actor
from services.report_queries import Figures, Money
from services.unit_tree import load_tree
from services.weeks import midnight

SUMMARY_HEADERS = ("单位", "常住人口", "活动场次", "参与人次", "其中未成年人", "时长(小时)", "覆盖率(人次/常住人口,%)",
                   "已批准(元)", "已拨付(元)", "已结算(元)", "召开会议(次)")


def _yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def _line(name: str, pop: int, f: Figures, m: Money, meetings: int) -> tuple[object, ...]:
    reach = round(f.participants * 100 / pop, 2) if pop else None
    return (name, pop, f.activities, f.participants, f.minors, round(f.minutes / 60, 1), reach,
            _yuan(m.approved), _yuan(m.disbursed), _yuan(m.settled), meetings)


async def town_summary(session: AsyncSession, start: date, end: date, *, tz: ZoneInfo) -> Table:
    """One row per town (each unit directly under the county) for start..end, and a total row."""
    tree = await load_tree(session)
    scope = tree.roots[0] if len(tree.roots) == 1 else None
    row_of = tree.rows_of(scope)
    figs: dict[int, Figures] = {}
    for uid, f in (await q.unit_totals(session, None, start, end)).items():
        if uid in row_of:
            figs[row_of[uid]] = figs.get(row_of[uid], Figures()) + f
    money: dict[int, Money] = {}
    for uid, m in (await q.funding_by_unit(session, None, start.year, end.year)).items():
        if uid in row_of:
            old = money.get(row_of[uid], Money())
            money[row_of[uid]] = Money(0, old.approved + m.approved, old.disbursed + m.disbursed, old.settled + m.settled)
    held: dict[int, int] = {}
    for _b, uid, _n, _m, h in await q.bodies_with_meetings(session, None, midnight(start, tz), midnight(end + timedelta(days=1), tz)):
        if uid in row_of:
            held[row_of[uid]] = held.get(row_of[uid], 0) + h
    keys = sorted(set(row_of.values()), key=lambda u: (u == scope, tree.name(u)))
    rows = [_line(tree.name(u) + ("（本级）" if u == scope else ""), tree.population(u) if u != scope else 0,
                  figs.get(u, Figures()), money.get(u, Money()), held.get(u, 0)) for u in keys]
    total_f = sum(figs.values(), Figures())
    total_m = Money(0, *(sum(getattr(m, k) for m in money.values()) for k in ("approved", "disbursed", "settled")))
    rows.append(_line("合计", tree.population(scope), total_f, total_m, sum(held.values())))
    return Table("按镇街汇总", SUMMARY_HEADERS, tuple(rows))


async def workbook(session: AsyncSession, start: date, end: date, *, tz: ZoneInfo) -> bytes:
    """XLSX: the summary by town, then every table registered in services.exports.TABLES, for start..end."""
    tables = [await town_summary(session, start, end, tz=tz)]
    for fn in exports.TABLES.values():
        tables.append(await fn(session, start, end, tz=tz))
    return exports.to_xlsx(tables)


async def year_workbook(session: AsyncSession, actor: Actor, *, now: datetime, tz: ZoneInfo) -> tuple[str, bytes]:
    """The file name and XLSX of this year so far (coordinators only)."""
    if not actor.has("coordinator"):
        raise MayNotExport()
    today = now.astimezone(tz).date()
    start = date(today.year, 1, 1)
    return f"社区教育数据_{today.year}_截至{today.isoformat()}.xlsx", await workbook(session, start, today, tz=tz)
