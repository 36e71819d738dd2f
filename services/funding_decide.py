"""Reviewers' decisions: 推荐 / 批准 (possibly less, or over the budget by override) / 退回 / 驳回, and 已拨付.

What a reviewer must type (a reason, a smaller amount, the disbursement date and note) is collected
through their own small form in the drafts table (kind "fund_review"), never in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services import drafts
from services.budgets import budget_of
from services.dates import parse_when
from services.errors import NotAllowed
from services.funding_errors import (
    DisbursedInFuture, NotInThisState, PartialOverRequested, ReasonNeeded,
)
from services.funding_flow import (
    REVIEW_ACTIONS, STATE_NAMES, check_version, load, move, open_form, require_reviewer, same_county, stage_reviewers,
)
from services.funding_notices import RECOMMENDED, fixed, send_card, tell_requester
from services.money import format_fen, parse_amount
from services.people import Actor
from services.text import clean_text
from storage.models import FundingRequest

KIND = "fund_review"
MAX_REASON = 500
ASKS = ("return", "reject", "partial", "disburse")


@dataclass(frozen=True)
class Outcome:
    """What a decision did; `over_budget` is set (and nothing changed) when an approval needs an override."""

    request_id: int
    version: int
    action: str
    state: str
    title: str
    amount: int
    requested: int
    over_budget: int | None = None
    holder_name: str = ""


@dataclass(frozen=True)
class Prompt:
    """The question a reviewer must answer by typing, for one request."""

    request_id: int
    action: str
    title: str
    amount: int


async def decide(session: AsyncSession, actor: Actor, request_id: int, version: int, action: str, *, now: datetime,
                 tz: ZoneInfo, amount: int | None = None, reason: str = "", override: bool = False) -> Outcome:
    """Recommend, approve (all, less, or over the budget with `override`), return or reject a waiting request."""
    req, place = await load(session, request_id)
    stage = await require_reviewer(session, actor, req, place, version)
    if action not in REVIEW_ACTIONS[stage] or action == "partial":
        raise NotInThisState(id=req.id, what=STATE_NAMES[req.state])
    today = now.astimezone(tz).date()
    requested = req.amount_fen
    if action == "approve":
        amount = requested if amount is None else amount
        if amount > requested:
            raise PartialOverRequested(amount=format_fen(amount, actor.lang), requested=format_fen(requested, actor.lang))
        budget = await budget_of(session, req.unit_id, req.year, today=today)
        over = amount > budget.remaining
        if over and not override:
            return Outcome(req.id, req.version, action, req.state, req.title, amount, requested, budget.remaining,
                           budget.holder_name)
        if over and not actor.has("coordinator"):
            raise NotAllowed()
        note = f"超预算批准：批准时{budget.holder_name}剩余预算 {format_fen(budget.remaining)}" if over else ""
        event = await move(session, req, actor.person_id, "approve", now=now, amount=amount, reason=note,
                           approved_fen=amount, over_budget_override=over, reviewer_id=None, waiting_since=None)
        what = "approve" if amount == requested else "partial"
        await tell_requester(session, req.id, req.requester_id, event, what, now=now, tz=tz, actor_id=actor.person_id,
                             amount=amount, requested=requested)
    elif action == "recommend":
        event = await move(session, req, actor.person_id, "recommend", now=now, amount=requested, reviewer_id=None,
                           waiting_since=now)
        head = fixed(RECOMMENDED, name=actor.name)
        await send_card(session, req.id, await stage_reviewers(session, req, place, today), head,
                        f"fund:{req.id}:{event}", now=now, tz=tz)
        await tell_requester(session, req.id, req.requester_id, event, "recommend", now=now, tz=tz,
                             actor_id=actor.person_id)
    else:
        reason = clean_text(reason, limit=MAX_REASON)
        if not reason:
            raise ReasonNeeded()
        event = await move(session, req, actor.person_id, action, now=now, reason=reason, reviewer_id=None,
                           waiting_since=None)
        await tell_requester(session, req.id, req.requester_id, event, action, now=now, tz=tz, actor_id=actor.person_id,
                             reason=reason)
    if await drafts.open_kind(session, actor.person_id) == KIND:  # a reason asked for earlier is not needed now
        await drafts.drop_draft(session, actor.person_id)
    return Outcome(req.id, req.version, action, req.state, req.title, amount or requested, requested)


async def ask(session: AsyncSession, actor: Actor, request_id: int, version: int, action: str, *, now: datetime) -> Prompt:
    """Check the press is still valid, then open the reviewer's small form for the text it needs."""
    req, place = await load(session, request_id)
    if action == "disburse":
        _may_disburse(actor, req, version)
        if not await same_county(session, actor.unit_id, place):
            raise NotAllowed()
    else:
        stage = await require_reviewer(session, actor, req, place, version)
        if action not in REVIEW_ACTIONS[stage]:
            raise NotInThisState(id=req.id, what=STATE_NAMES[req.state])
    await drafts.save_draft(session, actor.person_id, kind=KIND, step=action,
                            data={"request_id": req.id, "version": version}, now=now)
    return Prompt(req.id, action, req.title, req.approved_fen or req.amount_fen)


async def answer(session: AsyncSession, actor: Actor, text: str, *, now: datetime, tz: ZoneInfo) -> Outcome:
    """The typed reason, smaller amount, or disbursement date and note; the form closes when it is used."""
    draft = await open_form(session, actor.person_id, KIND)
    rid, version, action = draft.data["request_id"], draft.data["version"], draft.step
    req = await session.get(FundingRequest, rid)
    if req is None or req.version != version:  # decided meanwhile: close the form rather than trap the reviewer in it
        await drafts.drop_draft(session, actor.person_id)
        return Outcome(rid, 0, "stale", req.state if req else "withdrawn", req.title if req else "", 0, 0)
    if action == "partial":
        outcome = await decide(session, actor, rid, version, "approve", now=now, tz=tz, amount=parse_amount(text))
    elif action == "disburse":
        outcome = await disburse(session, actor, rid, version, text, now=now, tz=tz)
    else:
        outcome = await decide(session, actor, rid, version, action, now=now, tz=tz, reason=text)
    await drafts.drop_draft(session, actor.person_id)
    return outcome


def _may_disburse(actor: Actor, req, version: int) -> None:  # noqa: ANN001
    check_version(req, version)
    if not actor.has("coordinator"):
        raise NotAllowed()
    if req.state != "approved":
        raise NotInThisState(id=req.id, what=STATE_NAMES[req.state])


def read_disbursement(text: str, *, now: datetime, tz: ZoneInfo) -> tuple[date, str]:
    """"11月25日 银行转账 凭证123" → (that day, the note); without a date, today. A future day is refused."""
    text = clean_text(text, limit=MAX_REASON)
    local = now.astimezone(tz)
    readings = [w for w in (parse_when(text, now=local, prefer=p) for p in ("past", "future")) if w is not None]
    if not readings:
        return local.date(), text
    when = min(readings, key=lambda w: abs((w.date - local.date()).days))  # 11月25日 the day after today is tomorrow
    if when.date > local.date():
        raise DisbursedInFuture(date=when.date.isoformat())
    a, b = when.span
    note = (text[:a] + " " + text[b:]).strip(" ，,:：;；")
    return when.date, " ".join(note.split())


async def disburse(session: AsyncSession, actor: Actor, request_id: int, version: int, text: str, *, now: datetime,
                   tz: ZoneInfo) -> Outcome:
    """Record that the approved money was paid, on a day with a note; the requester is told to report spending."""
    req, place = await load(session, request_id)
    _may_disburse(actor, req, version)
    day, note = read_disbursement(text, now=now, tz=tz)
    event = await move(session, req, actor.person_id, "disburse", now=now, amount=req.approved_fen, reason=note,
                       disbursed_on=day)
    await tell_requester(session, req.id, req.requester_id, event, "disburse", now=now, tz=tz, actor_id=actor.person_id,
                         amount=req.approved_fen or 0)
    return Outcome(req.id, req.version, "disburse", req.state, req.title, req.approved_fen or 0, req.amount_fen)

