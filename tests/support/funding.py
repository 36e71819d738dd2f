"""Helpers for the funding tests: the people of the sample roster, and reading requests, events, outbox and budgets."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select

from services.budgets import budget_of
from storage.models import AuditEntry, FundingEvent, FundingRequest, OutboxMessage, Unit
from tests.support.factories import COORDINATOR, LIAISON, LIAISON2, OTHER_TOWN_LIAISON, TOWN_STAFF, load_roster, signed_in

COORDINATOR2 = "13800000002"
T2_STAFF = "13800000021"
USERS = {"liaison": (601, LIAISON), "liaison2": (602, LIAISON2), "staff": (611, TOWN_STAFF), "coord": (701, COORDINATOR),
         "coord2": (702, COORDINATOR2), "t2liaison": (622, OTHER_TOWN_LIAISON), "t2staff": (621, T2_STAFF)}
ONE_LINE = "/fund 老年大学书法班 1500元 购买笔墨纸砚"


async def sign_in_all(rt, person) -> dict:  # noqa: ANN001
    """The sample roster, with everyone who takes part in funding signed in."""
    await load_roster(rt)
    return {name: await signed_in(person, rt, uid, phone) for name, (uid, phone) in USERS.items()}


async def requests(rt) -> list[FundingRequest]:  # noqa: ANN001
    async with rt.db.begin() as s:
        return list(await s.scalars(select(FundingRequest).order_by(FundingRequest.id)))


async def request(rt, request_id: int = 1) -> FundingRequest:  # noqa: ANN001
    async with rt.db.begin() as s:
        return await s.get(FundingRequest, request_id)


async def events(rt, request_id: int = 1) -> list[tuple]:  # noqa: ANN001
    """(from, to, amount, reason) of each step of a request, in order."""
    async with rt.db.begin() as s:
        rows = await s.scalars(select(FundingEvent).where(FundingEvent.request_id == request_id).order_by(FundingEvent.id))
        return [(e.from_state, e.to_state, e.amount_fen, e.reason) for e in rows]


async def audit_count(rt, request_id: int = 1) -> int:  # noqa: ANN001
    async with rt.db.begin() as s:
        return await s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "funding_request", AuditEntry.entity_id == request_id))


@dataclass(frozen=True)
class Queued:
    chat_id: int
    key: str
    text: str
    buttons: list[str]


async def outbox(rt, chat_id: int | None = None) -> list[Queued]:  # noqa: ANN001
    """Funding messages queued in the outbox (optionally for one chat), in order."""
    async with rt.db.begin() as s:
        query = select(OutboxMessage).where(OutboxMessage.dedupe_key.like("fund:%")).order_by(OutboxMessage.id)
        if chat_id is not None:
            query = query.where(OutboxMessage.chat_id == chat_id)
        rows = list(await s.scalars(query))
    out = []
    for r in rows:
        payload = r.payload if isinstance(r.payload, dict) else json.loads(r.payload)
        markup = payload.get("reply_markup") or {}
        out.append(Queued(r.chat_id, r.dedupe_key, payload.get("text", ""),
                          [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]))
    return out


async def money(rt, code: str = "T1") -> tuple[int, int, int, int, int]:  # noqa: ANN001
    """(pending, approved, disbursed, settled, remaining) in fen of the budget a unit draws on this year."""
    async with rt.db.begin() as s:
        unit_id = await s.scalar(select(Unit.id).where(Unit.code == code))
        today = rt.clock().astimezone(rt.settings.tz).date()
        b = await budget_of(s, unit_id, today.year, today=today)
        f = b.figures
        return f.pending, f.approved, f.disbursed, f.settled, b.remaining


def data_of(p, label: str) -> str:  # noqa: ANN001
    """The callback data of the newest button whose label contains `label`, in that person's chat."""
    return next(d for text, d, _mid in p.buttons() if label in text)
