"""/fund: a funding request in one line or step by step, with linked activities and attachments, shown on a
card (with the budget left after it) before it is submitted; also the editing of a returned request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import drafts
from services.budgets import budget_of
from services.errors import StaleButton
from services.funding_errors import AmountOverAllocation, FundingFormClosed, MayNotRequestFunding
from services.funding_flow import close_form, create, load, move, open_form, require_requester, stage_reviewers
from services.funding_notices import AGAIN, NEW, fixed, send_card
from services.funding_text import read_fund_line
from services.money import format_fen, parse_amount
from services.people import Actor
from services.text import MAX_NOTE, MAX_TITLE, clean_text
from storage.models import Activity, Attachment, Draft, FundingLink, Unit
from storage.sql import insert_ignore

KIND = "funding"
STEPS = ("title", "amount", "purpose")
LEVELS = ("village", "town", "department")
LINK_DAYS = 90
LINK_CHOICES = 8
MAX_FILES = 20


@dataclass(frozen=True)
class FundCard:
    """Everything the confirmation card shows, with the budget the request draws on."""

    request_id: int | None
    unit_name: str
    holder_name: str
    year: int
    title: str
    amount: int | None
    purpose: str
    links: tuple[str, ...]
    files: int
    remaining: int
    pending: int


@dataclass(frozen=True)
class FundForm:
    """The next question (`step`) or "card"; `choices` are (activity id, label, picked) for the link step."""

    step: str
    card: FundCard
    version: int
    choices: tuple[tuple[int, str, bool], ...] = ()


@dataclass(frozen=True)
class Submitted:
    request_id: int
    title: str
    amount: int
    again: bool
    told: int


def _unit_check(actor: Actor) -> None:
    if not actor.has("liaison", "school_staff") or actor.unit_level not in LEVELS:
        raise MayNotRequestFunding()


async def _check_amount(session: AsyncSession, actor: Actor, unit_id: int, fen: int, now: datetime, tz: ZoneInfo) -> int:
    today = now.astimezone(tz).date()
    budget = await budget_of(session, unit_id, today.year, today=today)
    if fen > budget.allocation:
        raise AmountOverAllocation(amount=format_fen(fen, actor.lang), unit=budget.holder_name,
                                   allocation=format_fen(budget.allocation, actor.lang))
    return fen


async def _recent(session: AsyncSession, unit_id: int, now: datetime) -> list[tuple[int, str]]:
    units = select(Unit.id).where((Unit.id == unit_id) | (Unit.parent_id == unit_id))
    rows = await session.execute(
        select(Activity.id, Activity.occurred_on, Activity.title).where(
            Activity.unit_id.in_(units), Activity.deleted_at.is_(None),
            Activity.occurred_on >= (now - timedelta(days=LINK_DAYS)).date())
        .order_by(Activity.occurred_on.desc(), Activity.id.desc()).limit(LINK_CHOICES))
    return [(i, f"#{i} {d.month}/{d.day} {t}") for i, d, t in rows]


async def _card(session: AsyncSession, data: dict, now: datetime, tz: ZoneInfo) -> FundCard:
    today = now.astimezone(tz).date()
    budget = await budget_of(session, data["unit_id"], today.year, today=today)
    links = await session.execute(select(Activity.id, Activity.occurred_on, Activity.title)
                                  .where(Activity.id.in_(data.get("links") or [])).order_by(Activity.id))
    return FundCard(data.get("request_id"), budget.unit_name, budget.holder_name, today.year, data.get("title") or "",
                    data.get("amount"), data.get("purpose") or "", tuple(f"#{i} {d.month}/{d.day} {t}" for i, d, t in links),
                    len(data.get("files") or []), budget.remaining, budget.figures.pending)


def _next_step(data: dict) -> str:
    return next((s for s in STEPS if not data.get(s)), "card")


async def _step(session: AsyncSession, actor: Actor, data: dict, now: datetime, tz: ZoneInfo, step: str | None = None) -> FundForm:
    step = step or _next_step(data)
    view = await drafts.save_draft(session, actor.person_id, kind=KIND, step=step, data=data, now=now)
    choices: tuple = ()
    if step == "links":
        picked = set(data.get("links") or [])
        choices = tuple((i, label, i in picked) for i, label in await _recent(session, data["unit_id"], now))
    return FundForm(step, await _card(session, data, now, tz), view.version, choices)


async def start_fund(session: AsyncSession, actor: Actor, text: str, *, now: datetime, tz: ZoneInfo) -> FundForm:
    """Open a request form for the person's unit, filled from `text` as far as it goes."""
    _unit_check(actor)
    data: dict = {"unit_id": actor.unit_id, "links": [], "files": []}
    if text.strip():
        line = read_fund_line(clean_text(text, limit=MAX_NOTE))
        data["title"] = clean_text(line.title, limit=MAX_TITLE)
        data["purpose"] = line.purpose
        if line.amount is not None:
            data["amount"] = await _check_amount(session, actor, actor.unit_id, line.amount, now, tz)
    return await _step(session, actor, data, now, tz)


async def answer_fund(session: AsyncSession, actor: Actor, text: str, *, now: datetime, tz: ZoneInfo) -> FundForm:
    """A typed answer to the form's question; a bad answer changes nothing."""
    draft = await open_form(session, actor.person_id, KIND, closed=FundingFormClosed)
    data, field = dict(draft.data), draft.step.removeprefix("edit:")
    if field == "title":
        data["title"] = clean_text(text, limit=MAX_TITLE)
    elif field == "amount":
        data["amount"] = await _check_amount(session, actor, data["unit_id"], parse_amount(text), now, tz)
    elif field == "purpose":
        data["purpose"] = clean_text(text, limit=MAX_NOTE)
    else:  # the card or the link list is showing: a typed line is not an answer
        raise StaleButton()
    return await _step(session, actor, data, now, tz)


async def pick_fund(session: AsyncSession, actor: Actor, what: str, value: str, version: int, *, now: datetime,
                    tz: ZoneInfo) -> FundForm:
    """A button: edit a field, open the activity list, toggle an activity, back to the card."""
    draft = await open_form(session, actor.person_id, KIND, version, closed=FundingFormClosed)
    data = dict(draft.data)
    if what == "edit" and value in STEPS:
        return await _step(session, actor, data, now, tz, step=f"edit:{value}")
    if what == "links":
        return await _step(session, actor, data, now, tz, step="links")
    if what == "act" and value.isdigit():
        if int(value) not in {i for i, _ in await _recent(session, data["unit_id"], now)}:
            raise StaleButton()
        links = list(data.get("links") or [])
        data["links"] = [i for i in links if i != int(value)] if int(value) in links else links + [int(value)]
        return await _step(session, actor, data, now, tz, step="links")
    if what == "back":
        return await _step(session, actor, data, now, tz)
    raise StaleButton()


async def add_file(session: AsyncSession, actor: Actor, kind: str, *, file_id: str, unique_id: str, path: str | None,
                   form: str = KIND) -> int:
    """Keep a photo or document with the open form (the same file twice is kept once); how many it now has.

    The form's version does not change, so the card on screen stays valid.
    """
    row = await session.get(Draft, actor.person_id)
    if row is None or row.kind != form:
        raise FundingFormClosed()
    files = [f for f in (row.data.get("files") or []) if f["unique"] != unique_id]
    files.append({"kind": kind, "file_id": file_id, "unique": unique_id, "path": path})
    row.data = {**row.data, "files": files[-MAX_FILES:]}
    await session.flush()
    return len(row.data["files"])


async def save_files(session: AsyncSession, actor: Actor, request_id: int, files: list[dict], now: datetime) -> None:
    for f in files:
        await insert_ignore(session, Attachment, dict(
            owner_type="funding", owner_id=request_id, kind=f["kind"], tg_file_id=f["file_id"],
            tg_file_unique_id=f["unique"], path=f["path"], added_by=actor.person_id, created_at=now),
            ["owner_type", "owner_id", "tg_file_unique_id"])


async def confirm_fund(session: AsyncSession, actor: Actor, version: int, *, now: datetime, tz: ZoneInfo) -> Submitted:
    """Submit the request on the card (or resubmit the returned one being edited); its reviewers are told."""
    draft = await open_form(session, actor.person_id, KIND, version, closed=FundingFormClosed)
    data = draft.data
    if _next_step(data) != "card":
        raise StaleButton()
    today = now.astimezone(tz).date()
    await _check_amount(session, actor, data["unit_id"], data["amount"], now, tz)
    if data.get("request_id"):
        req, place = await load(session, data["request_id"])
        require_requester(actor, req, data["request_version"], ("returned",))
        event = await move(session, req, actor.person_id, "resubmit", now=now, amount=data["amount"],
                           title=data["title"], purpose=data["purpose"], amount_fen=data["amount"], approved_fen=None,
                           waiting_since=now, reviewer_id=None)
        await session.execute(delete(FundingLink).where(FundingLink.request_id == req.id))
        head = AGAIN
    else:
        _unit_check(actor)
        req, event = await create(session, actor, unit_id=data["unit_id"], title=data["title"], purpose=data["purpose"],
                                  amount=data["amount"], year=today.year, now=now)
        place = (await load(session, req.id))[1]
        head = NEW
    for activity_id in dict.fromkeys(data.get("links") or []):
        session.add(FundingLink(request_id=req.id, activity_id=activity_id))
    await save_files(session, actor, req.id, data.get("files") or [], now)
    await drafts.drop_draft(session, actor.person_id)
    await session.flush()
    told = await send_card(session, req.id, await stage_reviewers(session, req, place, today), fixed(head),
                           f"fund:{req.id}:{event}", now=now, tz=tz)
    return Submitted(req.id, req.title, req.amount_fen, bool(data.get("request_id")), told)


async def edit_returned(session: AsyncSession, actor: Actor, request_id: int, version: int, *, now: datetime,
                        tz: ZoneInfo) -> FundForm:
    """Open a returned request in the form, to change it and submit it again."""
    req, _place = await load(session, request_id)
    require_requester(actor, req, version, ("returned",))
    links = list(await session.scalars(select(FundingLink.activity_id).where(FundingLink.request_id == req.id)))
    data = {"unit_id": req.unit_id, "title": req.title, "amount": req.amount_fen, "purpose": req.purpose,
            "links": links, "files": [], "request_id": req.id, "request_version": req.version}
    return await _step(session, actor, data, now, tz, step="card")


async def cancel_fund(session: AsyncSession, actor: Actor, version: int) -> None:
    """❌ on the card: the form is closed, nothing saved."""
    await close_form(session, actor.person_id, KIND, version, closed=FundingFormClosed)


async def check_fund(session: AsyncSession, actor: Actor, version: int) -> None:
    """A press on the card (the ✏️ menu, which changes nothing) is for the form as it is now."""
    await open_form(session, actor.person_id, KIND, version, closed=FundingFormClosed)
