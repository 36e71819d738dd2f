"""Funding for Excel: one row per request submitted in the span, and the history of every step taken in it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.funding_flow import STATE_ZH
from storage.models import Attachment, FundingEvent, FundingLink, FundingRequest, Person, Unit

if TYPE_CHECKING:
    from services.exports import Table

REQUEST_HEADERS = ("编号", "年度", "单位编码", "单位", "申请人", "项目", "用途", "申请金额(元)", "批准金额(元)",
                   "实际支出(元)", "结余退回(元)", "状态", "超预算批准", "提交时间", "拨付日期", "关联活动", "附件", "票据",
                   "最后更新")
EVENT_HEADERS = ("申请编号", "项目", "单位", "时间", "操作人", "原状态", "新状态", "金额(元)", "理由/备注")


def _yuan(fen: int | None) -> Decimal | str:
    return "" if fen is None else Decimal(fen).scaleb(-2)


def _bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime.combine(start, time(), tz), datetime.combine(end + timedelta(days=1), time(), tz)


def _local(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


async def funding_table(session: AsyncSession, start: date, end: date, *, tz: ZoneInfo) -> Table:
    """Every request submitted from `start` to `end` inclusive, with its money to the fen and where it stands."""
    from services.exports import Table  # services.exports registers this module's tables: import it late

    low, high = _bounds(start, end, tz)
    links = (select(func.count()).where(FundingLink.request_id == FundingRequest.id).correlate(FundingRequest)
             .scalar_subquery())

    def files(receipts: bool):  # noqa: ANN202
        kind = Attachment.kind.like("receipt%")
        return (select(func.count()).where(Attachment.owner_type == "funding", Attachment.owner_id == FundingRequest.id,
                                           kind if receipts else ~kind).correlate(FundingRequest).scalar_subquery())

    rows = await session.execute(
        select(FundingRequest, Unit.code, Unit.name, Person.name, links, files(False), files(True))
        .join(Unit, Unit.id == FundingRequest.unit_id).join(Person, Person.id == FundingRequest.requester_id)
        .where(FundingRequest.created_at >= low, FundingRequest.created_at < high)
        .order_by(FundingRequest.created_at, FundingRequest.id))
    out = []
    for r, code, unit, requester, n_links, n_files, n_receipts in rows:
        back = (r.approved_fen or 0) - r.spent_fen if r.spent_fen is not None else None
        out.append((r.id, r.year, code, unit, requester, r.title, r.purpose, _yuan(r.amount_fen), _yuan(r.approved_fen),
                    _yuan(r.spent_fen), _yuan(back), STATE_ZH[r.state], "是" if r.over_budget_override else "",
                    _local(r.created_at, tz), r.disbursed_on.isoformat() if r.disbursed_on else "", n_links, n_files,
                    n_receipts, _local(r.updated_at, tz)))
    return Table("经费申请", REQUEST_HEADERS, tuple(out))


async def funding_events_table(session: AsyncSession, start: date, end: date, *, tz: ZoneInfo) -> Table:
    """Every step of every request taken from `start` to `end` inclusive: who, when, from, to, how much, why."""
    from services.exports import Table

    low, high = _bounds(start, end, tz)
    actor = aliased(Person)
    rows = await session.execute(
        select(FundingEvent, FundingRequest.title, Unit.name, actor.name)
        .join(FundingRequest, FundingRequest.id == FundingEvent.request_id).join(Unit, Unit.id == FundingRequest.unit_id)
        .outerjoin(actor, actor.id == FundingEvent.actor_id)
        .where(FundingEvent.at >= low, FundingEvent.at < high).order_by(FundingEvent.at, FundingEvent.id))
    return Table("经费审批记录", EVENT_HEADERS, tuple(
        (e.request_id, title, unit, _local(e.at, tz), name or "", STATE_ZH.get(e.from_state, "") if e.from_state else "",
         STATE_ZH[e.to_state], _yuan(e.amount_fen), e.reason) for e, title, unit, name in rows))
