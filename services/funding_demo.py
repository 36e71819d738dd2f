"""Demo funding for the demo county: a 1.5 元 standard and requests at every step of their path, made through the
same state machine as real ones (events and audit entries included)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.funding_flow import create, move
from services.people import actor_for_person
from storage.models import BudgetStandard, FundingRequest, Person, Unit

# (unit code, title, amount 元, purpose, days ago, steps); a step is (action, days ago, amount 元 or None, reason)
REQUESTS = (
    ("DQ0102", "老年智能手机培训班", 2000, "聘请讲师、打印教材", 1, ()),
    ("DQ0101", "家庭教育系列讲座", 1500, "讲师课酬和场地布置", 11, (("recommend", 10, None, ""),)),
    ("DQ02", "电商直播技能培训", 8000, "设备租赁、讲师课酬", 30,
     (("approve", 25, 6000, ""), ("disburse", 20, None, "银行转账，凭证号 DQ2026-118"))),
    ("DQ0201", "非遗剪纸体验课", 1200, "购买剪纸材料", 40,
     (("recommend", 38, None, ""), ("approve", 36, None, ""), ("disburse", 33, None, "银行转账"),
      ("settle", 12, 1080.5, "实际支出 1,080.50 元，结余 119.50 元退回预算"))),
    ("DQ0301", "广场舞培训班", 3000, "服装和音响", 6, (("return", 4, None, "请补充授课计划和预算明细"),)),
    ("DQ0401", "农技知识讲座", 800, "专家课酬", 15, (("recommend", 14, None, ""), ("reject", 13, None, "同一项目已由农业局资助"))),
)


async def _person(session: AsyncSession, unit_code: str) -> int:
    return await session.scalar(select(Person.id).join(Unit, Unit.id == Person.unit_id).where(Unit.code == unit_code)
                                .order_by(Person.id).limit(1))


async def demo_funding(session: AsyncSession, *, now: datetime, tz: ZoneInfo, rng: random.Random) -> int:
    """The demo county's standard and six requests; returns how many requests were made."""
    county = await session.scalar(select(Unit.id).where(Unit.code == "DQ"))
    coordinator = await _person(session, "DQC")
    today = now.astimezone(tz).date()
    session.add(BudgetStandard(county_id=county, per_resident_fen=150, effective_from=date(today.year, 1, 1),
                               set_by=coordinator, set_at=now - timedelta(days=60)))
    made = 0
    for code, title, yuan, purpose, ago, steps in REQUESTS:
        unit_id = await session.scalar(select(Unit.id).where(Unit.code == code))
        requester = await actor_for_person(session, await _person(session, code), today)
        at = now - timedelta(days=ago, minutes=rng.randint(0, 240))
        req, _event = await create(session, requester, unit_id=unit_id, title=title, purpose=purpose, amount=yuan * 100,
                                   year=at.astimezone(tz).year, now=at)
        for action, days, amount, reason in steps:
            await _step(session, req, action, now - timedelta(days=days), amount, reason, coordinator,
                        await _person(session, code[:4]), requester.person_id, tz)
        made += 1
    return made


async def _step(session: AsyncSession, req: FundingRequest, action: str, at: datetime, amount: float | None, reason: str,
                coordinator: int, staff: int, requester: int, tz: ZoneInfo) -> None:
    fen = round(amount * 100) if amount is not None else None
    if action == "recommend":
        await move(session, req, staff, action, now=at, amount=req.amount_fen, waiting_since=at)
    elif action == "approve":
        approved = fen or req.amount_fen
        await move(session, req, coordinator, action, now=at, amount=approved, approved_fen=approved, waiting_since=None)
    elif action == "disburse":
        await move(session, req, coordinator, action, now=at, amount=req.approved_fen, reason=reason,
                   disbursed_on=at.astimezone(tz).date())
    elif action == "settle":
        await move(session, req, requester, action, now=at, amount=fen, reason=reason, spent_fen=fen)
    else:
        await move(session, req, staff if req.state == "submitted" else coordinator, action, now=at, reason=reason,
                   waiting_since=None)
