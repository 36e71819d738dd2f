"""Scheduling a meeting: the form (one line or step by step), the card, saving, and changing a saved one.

Steps: body → title → start → place → agenda (the last two may be skipped), then the card with ✅.
A saved meeting is changed through the same form and card; a new time bumps its version, clears
the answers and tells every invitee (their old buttons then say the meeting has changed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services import bodies, drafts, meeting_notices, meeting_store
from services.dates import is_doubtful
from services.errors import NothingToConfirm, StaleButton
from services.meeting_errors import BodyOutOfScope, MeetingFormClosed, NoBodies, UseTheButtons
from services.meeting_line import read_meeting_line, read_rule, read_when
from services.people import Actor
from services.text import MAX_NOTE, MAX_PLACE, MAX_TITLE, clean_text

KIND = "meeting"
STEPS = ("body", "title", "start", "place", "agenda")
OPTIONAL = ("place", "agenda")
EDITABLE = ("title", "start", "place", "agenda", "repeat")
MAX_CHOICES = 24  # body buttons shown; beyond that (a coordinator's county) the unit's name is typed


@dataclass(frozen=True)
class MeetingCard:
    """Everything the confirmation card shows."""

    body_id: int | None
    body: str
    title: str | None
    start: datetime | None
    rule: str | None
    place: str
    agenda: str
    doubt: str | None
    meeting_id: int | None
    invitees: int


@dataclass(frozen=True)
class MeetingForm:
    """Where the form stands: the next question (`step`) or "card"; `choices` are bodies to pick from."""

    step: str
    card: MeetingCard
    version: int
    choices: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class SavedMeeting:
    id: int
    title: str
    start: datetime
    version: int
    invited: int
    created: bool


async def _card(session: AsyncSession, actor: Actor, data: dict, now: datetime, tz: ZoneInfo) -> MeetingCard:
    start = datetime.fromisoformat(data["start"]).astimezone(tz) if data.get("start") else None
    label, invitees = "", 0
    if data.get("body_id"):
        ref = await bodies.require_schedulable(session, actor, data["body_id"])
        label, invitees = f"{ref.unit_name}{ref.name}", ref.members
    doubt = is_doubtful(start, now=now.astimezone(tz), prefer="future") if start else None
    return MeetingCard(data.get("body_id"), label, data.get("title"), start, data.get("rule"), data.get("place") or "",
                       data.get("agenda") or "", doubt, data.get("meeting_id"), invitees)


def _next_step(data: dict) -> str:
    asked = data.get("asked") or []
    for step in STEPS:
        key = "body_id" if step == "body" else step
        if data.get(key) in (None, "") and (step not in OPTIONAL or step not in asked):
            return step
    return "card"


async def _step(session: AsyncSession, actor: Actor, data: dict, now: datetime, tz: ZoneInfo,
                step: str | None = None) -> MeetingForm:
    step = step or _next_step(data)
    if step in OPTIONAL:
        data["asked"] = sorted(set(data.get("asked") or []) | {step})
    view = await drafts.save_draft(session, actor.person_id, kind=KIND, step=step, data=data, now=now)
    choices: tuple = ()
    if step == "body":
        refs = await bodies.schedulable_bodies(session, actor)
        wanted = set(data.get("candidates") or [])
        choices = tuple((r.id, f"{r.unit_name}{r.name}") for r in refs if not wanted or r.id in wanted)[:MAX_CHOICES]
    return MeetingForm(step, await _card(session, actor, data, now, tz), view.version, choices)


async def _require(session: AsyncSession, actor: Actor, version: int | None = None) -> drafts.DraftView:
    try:
        return await drafts.require_draft(session, actor.person_id, KIND, version)
    except NothingToConfirm:
        raise MeetingFormClosed() from None


async def check_form(session: AsyncSession, actor: Actor, version: int) -> None:
    """MeetingFormClosed / StaleButton unless this version of the form is open."""
    await _require(session, actor, version)


async def drop_form(session: AsyncSession, actor: Actor, version: int) -> None:
    """Leave the form (a card's ❌); nothing is saved."""
    await _require(session, actor, version)
    await drafts.drop_draft(session, actor.person_id)


def _match_body(refs: list[bodies.BodyRef], text: str, actor: Actor, *, loose: bool = False) -> list[int]:
    """Bodies the text names: by unit and body name first, then by body name alone (own unit preferred);
    `loose` (a typed answer) also takes bodies whose unit's name is in the text or contain the text."""
    full = [r.id for r in refs if f"{r.unit_name}{r.name}" in text]
    if full:
        return full
    named = [r for r in refs if r.name in text]
    if loose and not named:
        named = [r for r in refs if r.unit_name in text or (text and text in f"{r.unit_name}{r.name}")]
    own = [r.id for r in named if r.unit_id == actor.unit_id]
    return own if len(own) == 1 else [r.id for r in named]


async def start_meeting(session: AsyncSession, actor: Actor, text: str, *, now: datetime, tz: ZoneInfo) -> MeetingForm:
    """Open a new meeting form, filled from `text` as far as it goes."""
    refs = await bodies.schedulable_bodies(session, actor)
    if not refs:
        raise NoBodies()
    data: dict = {"asked": []}
    if text.strip():
        line = read_meeting_line(clean_text(text, limit=MAX_NOTE), now=now.astimezone(tz))
        data.update(title=clean_text(line.title, limit=MAX_TITLE) if line.title else None,
                    start=line.start.isoformat() if line.start else None, rule=line.rule,
                    place=clean_text(line.place, limit=MAX_PLACE) if line.place else None,
                    agenda=line.agenda, asked=list(OPTIONAL))
        found = _match_body(refs, text, actor)
        if len(found) == 1:
            data["body_id"] = found[0]
        elif found:
            data["candidates"] = found
    if "body_id" not in data and len(refs) == 1:
        data["body_id"] = refs[0].id
    return await _step(session, actor, data, now, tz)


def _apply_answer(data: dict, field: str, text: str, now: datetime, tz: ZoneInfo) -> None:
    if field == "title":
        data["title"] = clean_text(text, limit=MAX_TITLE) or None
    elif field == "start":
        start, rule, _span = read_when(clean_text(text, limit=100), now=now.astimezone(tz))
        data["start"] = start.isoformat()
        if rule:
            data["rule"] = rule
    elif field == "repeat":
        start, rule = read_rule(clean_text(text, limit=100), now=now.astimezone(tz))
        data["start"], data["rule"] = start.isoformat(), rule
    elif field == "place":
        data["place"] = clean_text(text, limit=MAX_PLACE)
    elif field == "agenda":
        data["agenda"] = clean_text(text, limit=MAX_NOTE)
    else:
        raise UseTheButtons()


async def answer_meeting(session: AsyncSession, actor: Actor, text: str, *, now: datetime, tz: ZoneInfo) -> MeetingForm:
    """A typed answer to the form's current question; the form is unchanged if the answer is bad."""
    draft = await _require(session, actor)
    data = dict(draft.data)
    if draft.step == "body":  # a typed unit or body name narrows the buttons
        found = _match_body(await bodies.schedulable_bodies(session, actor), clean_text(text, limit=MAX_TITLE), actor,
                            loose=True)
        if not found:
            raise BodyOutOfScope()
        data.update({"body_id": found[0], "candidates": []} if len(found) == 1 else {"candidates": found})
        return await _step(session, actor, data, now, tz)
    _apply_answer(data, draft.step.removeprefix("edit:"), text, now, tz)
    return await _step(session, actor, data, now, tz)


async def pick_meeting(session: AsyncSession, actor: Actor, what: str, value: str, version: int, *,
                       now: datetime, tz: ZoneInfo) -> MeetingForm:
    """A button answer: the body, skipping an optional question, a field to edit, back to the card, no repetition."""
    draft = await _require(session, actor, version)
    data = dict(draft.data)
    if what == "body" and value.isdigit() and not data.get("meeting_id"):
        await bodies.require_schedulable(session, actor, int(value))
        data["body_id"], data["candidates"] = int(value), []
    elif what == "skip" and draft.step in OPTIONAL:
        pass
    elif what == "edit" and value in EDITABLE:
        return await _step(session, actor, data, now, tz, step=f"edit:{value}")
    elif what == "norepeat":
        data["rule"] = None
    elif what != "back":
        raise StaleButton()
    return await _step(session, actor, data, now, tz)


async def edit_meeting(session: AsyncSession, actor: Actor, meeting_id: int, *, now: datetime, tz: ZoneInfo,
                       field: str = "start") -> MeetingForm:
    """Open a saved meeting in the form to change it (by default its time: rescheduling)."""
    row = await meeting_store.owned_meeting(session, actor, meeting_id, now=now)
    data = {"meeting_id": row.id, "body_id": row.body_id, "title": row.title, "start": row.starts_at.astimezone(tz).isoformat(),
            "rule": row.series_rule, "place": row.place, "agenda": row.agenda, "asked": list(OPTIONAL)}
    return await _step(session, actor, data, now, tz, step=f"edit:{field}" if field in EDITABLE else "card")


async def confirm_meeting(session: AsyncSession, actor: Actor, version: int, *, now: datetime, tz: ZoneInfo) -> SavedMeeting:
    """Save the form as a meeting and invite its body's members, or save the change and tell every invitee."""
    data = (await _require(session, actor, version)).data
    if _next_step(data) != "card":
        raise StaleButton()
    card = await _card(session, actor, data, now, tz)
    values = dict(title=card.title, starts_at=card.start, place=card.place, agenda=card.agenda, series_rule=card.rule)
    if card.meeting_id:
        row = await meeting_store.change_meeting(session, actor, card.meeting_id, values, now=now, tz=tz)
        invited, created = len(await meeting_notices.attendee_ids(session, row.id)), False
    else:
        row, invited = await meeting_store.create_meeting(session, actor, card.body_id, values, now=now, tz=tz)
        created = True
    await drafts.drop_draft(session, actor.person_id)
    return SavedMeeting(row.id, row.title, row.starts_at.astimezone(tz), row.version, invited, created)
