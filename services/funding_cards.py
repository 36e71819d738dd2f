"""A funding request as people see it: everything about it on one card, and the buttons this person may press.

Built in services because notifications (services/funding_notices) and replies (handlers/funds) show the
same card; texts are English msgids translated with the reader's `_`. Button data: `fq1:verb:id:version`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.budgets import budget_of
from services.dates import format_when
from services.errors import N_
from services.funding_flow import REVIEW_ACTIONS, STATE_NAMES, WITHDRAWABLE, load, may_review, stage_of
from services.i18n import Translate
from services.money import format_fen
from services.funding_errors import NotYourRequestToSee
from services.people import Actor, scope_unit_ids
from services.workdays import workdays_between
from storage.models import Activity, Attachment, FundingEvent, FundingLink, FundingRequest, Person, Unit

P = "fq1"
VERBS = {"recommend": "rec", "return": "ret", "reject": "rej", "approve": "ok", "partial": "part", "reassign": "ra",
         "disburse": "pay", "withdraw": "wd", "edit": "ed", "settle": "set"}
LABELS = {
    "recommend": N_("👍 Recommend"), "return": N_("↩️ Return"), "reject": N_("⛔ Reject"),
    "approve": N_("✅ Approve {amount}"), "partial": N_("✏️ Approve less"), "reassign": N_("🔁 Reassign"),
    "disburse": N_("💰 Disbursed"), "withdraw": N_("🗑 Withdraw"), "edit": N_("✏️ Edit and resubmit"),
    "settle": N_("🧾 Report spending"),
}


@dataclass(frozen=True)
class RequestInfo:
    """One request with its names, links, files, last reason and, while it waits, the budget it draws on."""

    id: int
    version: int
    state: str
    stage: str | None
    year: int
    unit_name: str
    holder_name: str
    requester_id: int
    requester_name: str
    title: str
    purpose: str
    amount: int
    approved: int | None
    spent: int | None
    reviewer_name: str
    waiting_since: datetime | None
    created_at: datetime
    disbursed_on: date | None
    override: bool
    links: tuple[str, ...]
    files: int
    receipts: int
    last_reason: str
    remaining: int | None
    actions: tuple[str, ...] = ()


async def request_info(session: AsyncSession, request_id: int, *, today: date, viewer: Actor | None = None) -> RequestInfo:
    """Everything a card shows; with `viewer`, the actions that person may take now."""
    req, place = await load(session, request_id)
    unit = await session.get(Unit, req.unit_id)
    names = dict((await session.execute(select(Person.id, Person.name).where(
        Person.id.in_([req.requester_id, req.reviewer_id or req.requester_id])))).all())
    links = await session.execute(select(Activity.id, Activity.occurred_on, Activity.title).join(
        FundingLink, FundingLink.activity_id == Activity.id).where(FundingLink.request_id == req.id).order_by(Activity.id))
    files = dict((await session.execute(select(Attachment.kind, func.count()).where(
        Attachment.owner_type == "funding", Attachment.owner_id == req.id).group_by(Attachment.kind))).all())
    reason = await session.scalar(select(FundingEvent.reason).where(FundingEvent.request_id == req.id)
                                  .order_by(FundingEvent.id.desc()).limit(1))
    budget = await budget_of(session, req.unit_id, req.year, today=today)
    stage = stage_of(req.state, place)
    info = RequestInfo(
        req.id, req.version, req.state, stage, req.year, unit.name, budget.holder_name, req.requester_id,
        names.get(req.requester_id, ""), req.title, req.purpose, req.amount_fen, req.approved_fen, req.spent_fen,
        names.get(req.reviewer_id, "") if req.reviewer_id else "", req.waiting_since, req.created_at, req.disbursed_on,
        req.over_budget_override, tuple(f"#{i} {d.isoformat()} {t}" for i, d, t in links),
        sum(n for k, n in files.items() if not k.startswith("receipt")),
        sum(n for k, n in files.items() if k.startswith("receipt")), reason or "",
        budget.remaining if stage else None)
    if viewer is None:
        return info
    actions: list[str] = []
    if stage and await may_review(session, viewer, req, place):
        actions += REVIEW_ACTIONS[stage]
    if stage and viewer.has("coordinator"):
        actions.append("reassign")
    if req.state == "approved" and viewer.has("coordinator"):
        actions.append("disburse")
    if viewer.person_id == req.requester_id:
        actions += {"returned": ["edit", "withdraw"], "disbursed": ["settle"]}.get(req.state, [])
        if req.state in WITHDRAWABLE and req.state != "returned":
            actions.append("withdraw")
    return replace(info, actions=tuple(actions))


async def view_request(session: AsyncSession, actor: Actor, request_id: int, *, today: date) -> RequestInfo:
    """A request for /funds N: its requester, its reviewers, the county's coordinators, leaders and admins, and the
    school staff of its town may open it."""
    req = await session.get(FundingRequest, request_id)
    if req is None:
        raise NotYourRequestToSee(id=request_id)
    if not (actor.county_wide or actor.person_id in (req.requester_id, req.reviewer_id)
            or req.unit_id in (await scope_unit_ids(session, actor) or [])):
        raise NotYourRequestToSee(id=request_id)
    return await request_info(session, request_id, today=today, viewer=actor)


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


def waited(info: RequestInfo, today: date, tz: ZoneInfo) -> int:
    """Full working days the request has waited at its current step."""
    return workdays_between(info.waiting_since.astimezone(tz).date(), today) if info.waiting_since else 0


def card_text(info: RequestInfo, _: Translate, lang: str, tz: ZoneInfo, today: date) -> str:
    """The card: state, unit, requester, project, money, purpose, links, files, dates, reason, budget."""
    lines = [_("<b>Funding request #{id}</b> — {state}").format(id=info.id, state=_(STATE_NAMES[info.state])),
             _("Unit: {unit}").format(unit=esc(info.unit_name)) + (
                 _(" (budget of {holder})").format(holder=esc(info.holder_name)) if info.holder_name != info.unit_name else ""),
             _("Requested by: {name}").format(name=esc(info.requester_name)),
             _("Project: {title}").format(title=esc(info.title)),
             _("Amount requested: {amount}").format(amount=format_fen(info.amount, lang))]
    if info.approved is not None:
        lines.append(_("Approved: {amount}").format(amount=format_fen(info.approved, lang)) +
                     (_(" (over the budget, approved by override)") if info.override else ""))
    if info.disbursed_on:
        lines.append(_("Disbursed on: {day}").format(day=format_when(info.disbursed_on, False, lang)))
    if info.spent is not None:
        lines.append(_("Spent: {spent}; returned to the budget: {back}").format(
            spent=format_fen(info.spent, lang), back=format_fen((info.approved or 0) - info.spent, lang)))
    lines.append(_("Purpose: {purpose}").format(purpose=esc(info.purpose or "—")))
    if info.links:
        lines.append(_("Activities: {list}").format(list=esc("；".join(info.links))))
    if info.files or info.receipts:
        lines.append(_("Attachments: {n}; receipts: {r}").format(n=info.files, r=info.receipts))
    lines.append(_("Submitted: {day}").format(day=format_when(info.created_at.astimezone(tz).date(), False, lang)))
    if info.stage:
        lines.append(_("Waiting for: {who}; {days} working days so far").format(
            who=esc(info.reviewer_name) if info.reviewer_name else
            (_("the town's community school") if info.stage == "town" else _("the community college")),
            days=waited(info, today, tz)))
    if info.last_reason and info.state in ("returned", "rejected", "disbursed", "approved"):
        lines.append(_("Note: {reason}").format(reason=esc(info.last_reason)))
    if info.remaining is not None:
        lines.append(_("Remaining budget of {holder} for {year}: {remaining}; after this request: {after}").format(
            holder=esc(info.holder_name), year=info.year, remaining=format_fen(info.remaining, lang),
            after=format_fen(info.remaining - info.amount, lang)))
    return "\n".join(lines)


def buttons(info: RequestInfo, _: Translate, lang: str) -> list[list[tuple[str, str]]]:
    """The card's buttons for the viewer's actions, two to a row."""
    out = [(_(LABELS[a]).format(amount=format_fen(info.amount, lang)), f"{P}:{VERBS[a]}:{info.id}:{info.version}")
           for a in info.actions]
    return [out[i:i + 2] for i in range(0, len(out), 2)]
