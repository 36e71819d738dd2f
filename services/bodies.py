"""Bodies that must meet (领导小组, 办公室, 校务委员会 …): who may schedule for which, members, admin edits.

The roster import creates bodies from its 机构 column (services.roster._apply_bodies); `/body`
lets an admin add one, set its yearly minimum, and add or remove members between imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, drafts
from services.errors import N_, NotAllowed, NothingToConfirm, OutOfRange
from services.meeting_errors import BadBodyCommand, BodyOutOfScope, MayNotSchedule, UnknownPhone, UnknownUnit
from services.people import Actor, scope_unit_ids
from services.roster import body_minimum
from services.text import MAX_TITLE, clean_text, normalise_phone
from storage.models import Body, BodyMember, Person, Unit

KIND = "body"
MAX_MINIMUM = 52
_MINIMUM = re.compile(r"^(?:min=|最少|至少|每年)?(\d{1,3})次?$", re.IGNORECASE)


@dataclass(frozen=True)
class BodyRef:
    """A body as lists show it."""

    id: int
    unit_id: int
    unit_code: str
    unit_name: str
    name: str
    min_per_year: int
    members: int
    active: bool = True


@dataclass(frozen=True)
class BodyChange:
    """What a /body command would change (or changed)."""

    body_id: int | None
    unit_code: str
    unit_name: str
    name: str
    minimum_before: int | None
    minimum_after: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    active_before: bool | None
    active_after: bool
    version: int = 0


def _refs_query():
    members = (select(func.count()).select_from(BodyMember).join(Person, Person.id == BodyMember.person_id)
               .where(BodyMember.body_id == Body.id, BodyMember.active, Person.active).correlate(Body).scalar_subquery())
    return (select(Body, Unit.code, Unit.name, members).join(Unit, Unit.id == Body.unit_id)
            .order_by(Unit.id, Body.id))


def _ref(row) -> BodyRef:  # noqa: ANN001
    body, code, unit_name, members = row
    return BodyRef(body.id, body.unit_id, code, unit_name, body.name, body.min_per_year, members or 0, body.active)


async def bodies_in(session: AsyncSession, unit_ids: list[int] | None, *, include_inactive: bool = False) -> list[BodyRef]:
    """Bodies of these units (None: every unit), by unit then body."""
    query = _refs_query()
    if unit_ids is not None:
        query = query.where(Body.unit_id.in_(unit_ids))
    if not include_inactive:
        query = query.where(Body.active, Unit.active)
    return [_ref(r) for r in await session.execute(query)]


async def schedulable_bodies(session: AsyncSession, actor: Actor) -> list[BodyRef]:
    """Bodies this person may schedule: school staff their town's and villages'; coordinators any."""
    if actor.has("coordinator"):
        return await bodies_in(session, None)
    if actor.has("school_staff"):
        return await bodies_in(session, await scope_unit_ids(session, actor) or [actor.unit_id])
    raise MayNotSchedule()


async def require_schedulable(session: AsyncSession, actor: Actor, body_id: int) -> BodyRef:
    """The body, if this person may schedule for it; BodyOutOfScope otherwise."""
    for ref in await schedulable_bodies(session, actor):
        if ref.id == body_id:
            return ref
    raise BodyOutOfScope()


async def visible_bodies(session: AsyncSession, actor: Actor) -> list[BodyRef]:
    """Bodies whose yearly count this person sees: the county for county-wide roles, else their area and own bodies."""
    if actor.county_wide:
        return await bodies_in(session, None)
    units = await scope_unit_ids(session, actor) or [actor.unit_id]
    mine = set(await session.scalars(select(BodyMember.body_id).where(BodyMember.person_id == actor.person_id,
                                                                       BodyMember.active)))
    refs = await bodies_in(session, None)
    return [r for r in refs if r.unit_id in units or r.id in mine]


async def active_members(session: AsyncSession, body_id: int) -> list[int]:
    """Ids of the body's members who are active on the roster."""
    rows = await session.scalars(
        select(BodyMember.person_id).join(Person, Person.id == BodyMember.person_id)
        .where(BodyMember.body_id == body_id, BodyMember.active, Person.active).order_by(BodyMember.person_id)
    )
    return list(rows)


# --- /body for admins -------------------------------------------------------------------------


def read_body_command(text: str) -> dict:
    """`T1:校务委员会 4次 +138… -138… 停用` → unit code, name, minimum, phones to add/remove, active; BadBodyCommand."""
    out: dict = {"code": None, "name": None, "minimum": None, "add": [], "remove": [], "active": None}
    for token in text.replace("，", " ").replace(",", " ").split():
        token = token.replace("：", ":")
        if token[0] in "+＋-－" and len(token) > 1:
            phone = normalise_phone(token[1:])
            if phone is None:
                raise BadBodyCommand()
            out["add" if token[0] in "+＋" else "remove"].append(phone)
        elif (m := _MINIMUM.match(token)) is not None:
            out["minimum"] = int(m.group(1))
        elif token.lower() in ("停用", "off"):
            out["active"] = False
        elif token.lower() in ("启用", "on"):
            out["active"] = True
        elif ":" in token and out["name"] is None:
            code, _sep, name = token.partition(":")
            out["code"], out["name"] = code.strip() or None, name.strip() or None
        elif out["name"] is None:
            out["name"] = token
        else:
            raise BadBodyCommand()
    if not out["name"]:
        raise BadBodyCommand()
    out["name"] = clean_text(out["name"], limit=MAX_TITLE)
    if out["minimum"] is not None and not 0 <= out["minimum"] <= MAX_MINIMUM:
        raise OutOfRange(what=N_("yearly minimum"), low=0, high=MAX_MINIMUM)
    return out


async def _people(session: AsyncSession, phones: list[str]) -> dict[str, Person]:
    found = {p.phone: p for p in await session.scalars(select(Person).where(Person.phone.in_(phones), Person.active))}
    for phone in phones:
        if phone not in found:
            raise UnknownPhone(phone=phone)
    return found


async def _plan(session: AsyncSession, actor: Actor, cmd: dict) -> BodyChange:
    unit = await session.scalar(select(Unit).where(Unit.code == cmd["code"], Unit.active)) if cmd["code"] \
        else await session.get(Unit, actor.unit_id)
    if unit is None:
        raise UnknownUnit(code=cmd["code"])
    body = await session.scalar(select(Body).where(Body.unit_id == unit.id, Body.name == cmd["name"]))
    people = await _people(session, cmd["add"] + cmd["remove"])
    current = set(await active_members(session, body.id)) if body else set()
    added = tuple(people[p].name for p in cmd["add"] if people[p].id not in current)
    removed = tuple(people[p].name for p in cmd["remove"] if people[p].id in current)
    before = body.min_per_year if body else None
    after = cmd["minimum"] if cmd["minimum"] is not None else (before if before is not None else body_minimum(cmd["name"]))
    active_after = cmd["active"] if cmd["active"] is not None else True
    return BodyChange(body.id if body else None, unit.code, unit.name, cmd["name"], before, after, added, removed,
                      body.active if body else None, active_after)


async def propose_body_change(session: AsyncSession, actor: Actor, text: str, *, now: datetime) -> BodyChange:
    """Read an admin's /body command and keep it as a form to confirm; nothing changes yet."""
    if not actor.has("admin"):
        raise NotAllowed()
    cmd = read_body_command(text)
    change = await _plan(session, actor, cmd)
    view = await drafts.save_draft(session, actor.person_id, kind=KIND, step="card", data=cmd, now=now)
    return BodyChange(**{**change.__dict__, "version": view.version})


async def confirm_body_change(session: AsyncSession, actor: Actor, version: int, *, now: datetime) -> BodyChange:
    """Apply the confirmed /body command, with an audit entry; the form is closed."""
    if not actor.has("admin"):
        raise NotAllowed()
    try:
        cmd = (await drafts.require_draft(session, actor.person_id, KIND, version)).data
    except NothingToConfirm:
        raise BadBodyCommand() from None
    change = await _plan(session, actor, cmd)
    unit_id = await session.scalar(select(Unit.id).where(Unit.code == change.unit_code))
    body = await session.get(Body, change.body_id) if change.body_id else None
    if body is None:
        body = Body(unit_id=unit_id, name=change.name, min_per_year=change.minimum_after, active=change.active_after)
        session.add(body)
        await session.flush()
    body.min_per_year, body.active = change.minimum_after, change.active_after
    people = await _people(session, cmd["add"] + cmd["remove"])
    for phone, active in [(p, True) for p in cmd["add"]] + [(p, False) for p in cmd["remove"]]:
        member = await session.get(BodyMember, (body.id, people[phone].id))
        if member is None and active:
            session.add(BodyMember(body_id=body.id, person_id=people[phone].id, active=True))
        elif member is not None:
            member.active = active
    audit.record(session, now=now, actor_id=actor.person_id, action="body_edit", entity="body", entity_id=body.id,
                 before={"min_per_year": change.minimum_before, "active": change.active_before},
                 after={"min_per_year": change.minimum_after, "active": change.active_after,
                        "added": list(change.added), "removed": list(change.removed)})
    await drafts.drop_draft(session, actor.person_id)
    return BodyChange(**{**change.__dict__, "body_id": body.id})


async def list_bodies(session: AsyncSession, actor: Actor) -> list[BodyRef]:
    """Every body, active or not, for an admin's /body list."""
    if not actor.has("admin"):
        raise NotAllowed()
    return await bodies_in(session, None, include_inactive=True)

