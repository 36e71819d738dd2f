"""Activities once the card is confirmed: saving, editing, deleting and restoring, listing, photos.

The form that fills the card lives in services/activity_form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, drafts
from services.activity_form import KIND, FormStep, card_from, next_step, to_step
from services.errors import EditWindowClosed, FinishFormFirst, NoRecentActivity, NotAllowed, NotFound
from services.people import Actor
from storage.models import Activity, Attachment, Unit

OWNER_EDIT_DAYS = 7
PHOTO_WINDOW = timedelta(minutes=15)
FIELDS = ("unit_id", "occurred_on", "occurred_at", "title", "category", "target_groups", "participants", "minors",
          "minutes", "place", "notes", "late", "deleted_at")


@dataclass(frozen=True)
class SavedActivity:
    id: int
    title: str
    day: date
    late: bool
    created: bool


@dataclass(frozen=True)
class ActivityRow:
    id: int
    day: date
    title: str
    participants: int
    unit_name: str
    editable: bool
    photos: int


async def confirm_log(session: AsyncSession, actor: Actor, version: int, *, now: datetime, tz: ZoneInfo) -> SavedActivity:
    """Save the form as an activity (or the edit of one), with an audit entry, and close the form."""
    draft = await drafts.require_draft(session, actor.person_id, KIND, version)
    data = draft.data
    if next_step(data) != "card":
        raise NotAllowed()
    card = card_from(data, now, tz, unit_name="")  # only the values are saved: the unit's name is not needed
    values = dict(
        unit_id=card.unit_id, occurred_on=card.day, title=card.title, category=card.category,
        target_groups=list(card.groups), participants=card.participants, minors=card.minors, minutes=card.minutes,
        place=card.place, notes=card.notes, late=card.late,
        occurred_at=datetime.combine(card.day, datetime.strptime(card.time, "%H:%M").time(), tzinfo=tz) if card.time else None,
    )
    if card.activity_id:
        row = await _editable(session, actor, card.activity_id, now, tz)
        before = audit.snapshot(row, FIELDS)
        values.pop("late")  # the 补录 flag belongs to when it was first logged
        for k, v in values.items():
            setattr(row, k, v)
        row.updated_at = now
        audit.record(session, now=now, actor_id=actor.person_id, action="update", entity="activity",
                     entity_id=row.id, before=before, after=audit.snapshot(row, FIELDS))
        created = False
    else:
        row = Activity(reporter_id=actor.person_id, created_at=now, updated_at=now, **values)
        session.add(row)
        await session.flush()
        audit.record(session, now=now, actor_id=actor.person_id, action="create", entity="activity",
                     entity_id=row.id, after=audit.snapshot(row, FIELDS))
        created = True
    await drafts.drop_draft(session, actor.person_id)
    return SavedActivity(row.id, row.title, row.occurred_on, row.late, created)


async def _editable(
    session: AsyncSession, actor: Actor, activity_id: int, now: datetime, tz: ZoneInfo, *, deleted: bool = False
) -> Activity:
    row = await session.get(Activity, activity_id)
    if row is None or (row.deleted_at is not None) != deleted:
        raise NotFound()
    if actor.has("coordinator"):
        return row
    if row.reporter_id != actor.person_id:
        raise NotAllowed()
    if now - row.created_at > timedelta(days=OWNER_EDIT_DAYS):
        raise EditWindowClosed(days=OWNER_EDIT_DAYS)
    return row


async def edit_activity(session: AsyncSession, actor: Actor, activity_id: int, *, now: datetime, tz: ZoneInfo) -> FormStep:
    """Open a saved activity in the form for editing (own entries for 7 days; coordinators always)."""
    row = await _editable(session, actor, activity_id, now, tz)
    data = {
        "activity_id": row.id, "unit_id": row.unit_id, "date": row.occurred_on.isoformat(),
        "time": row.occurred_at.astimezone(tz).strftime("%H:%M") if row.occurred_at else None, "title": row.title,
        "participants": row.participants, "minors": row.minors, "minutes": row.minutes, "category": row.category,
        "groups": list(row.target_groups or []), "place": row.place, "notes": row.notes,
    }
    return await to_step(session, actor, data, now, tz, step="card")


async def delete_activity(
    session: AsyncSession, actor: Actor, activity_id: int, *, now: datetime, tz: ZoneInfo, undo: bool = False
) -> SavedActivity:
    """Soft-delete an activity (or restore it with `undo`), recorded in the audit log."""
    row = await _editable(session, actor, activity_id, now, tz, deleted=undo)
    row.deleted_at = None if undo else now
    audit.record(session, now=now, actor_id=actor.person_id, action="restore" if undo else "delete",
                 entity="activity", entity_id=row.id, before={"deleted": undo}, after={"deleted": not undo})
    return SavedActivity(row.id, row.title, row.occurred_on, row.late, False)


async def list_mine(
    session: AsyncSession, actor: Actor, *, now: datetime, limit: int = 10, activity_id: int | None = None
) -> list[ActivityRow]:
    """The person's latest activities, newest first, with whether they may still edit them.

    With `activity_id`, just that one: coordinators may open anyone's entry, others only their own.
    """
    photos = (
        select(func.count()).where(Attachment.owner_type == "activity", Attachment.owner_id == Activity.id)
        .correlate(Activity).scalar_subquery()
    )
    query = select(Activity, Unit.name, photos).join(Unit, Unit.id == Activity.unit_id).where(Activity.deleted_at.is_(None))
    if activity_id is not None:
        query = query.where(Activity.id == activity_id)
        if not actor.has("coordinator"):
            query = query.where(Activity.reporter_id == actor.person_id)
    else:
        query = query.where(Activity.reporter_id == actor.person_id)
    rows = await session.execute(query.order_by(Activity.created_at.desc(), Activity.id.desc()).limit(limit))
    return [
        ActivityRow(a.id, a.occurred_on, a.title, a.participants, unit_name,
                    actor.has("coordinator") or now - a.created_at <= timedelta(days=OWNER_EDIT_DAYS), n)
        for a, unit_name, n in rows
    ]


async def photo_target(session: AsyncSession, actor: Actor, *, now: datetime) -> int:
    """The activity a photo sent now belongs to: the person's last one confirmed in the last minutes."""
    if await drafts.open_kind(session, actor.person_id) == KIND:
        raise FinishFormFirst()
    row = await session.scalar(
        select(Activity.id).where(
            Activity.reporter_id == actor.person_id, Activity.deleted_at.is_(None),
            Activity.updated_at >= now - PHOTO_WINDOW,
        ).order_by(Activity.updated_at.desc(), Activity.id.desc()).limit(1)
    )
    if row is None:
        raise NoRecentActivity(minutes=int(PHOTO_WINDOW.total_seconds() // 60))
    return row


async def add_photo(
    session: AsyncSession, actor: Actor, activity_id: int, *, file_id: str, unique_id: str, path: str | None,
    now: datetime,
) -> int:
    """Keep a photo for the activity (a repeated photo is kept once); returns how many it now has."""
    from storage.sql import insert_ignore

    await insert_ignore(session, Attachment, dict(
        owner_type="activity", owner_id=activity_id, kind="photo", tg_file_id=file_id, tg_file_unique_id=unique_id,
        path=path, added_by=actor.person_id, created_at=now,
    ), ["owner_type", "owner_id", "tg_file_unique_id"])
    return await session.scalar(
        select(func.count()).where(Attachment.owner_type == "activity", Attachment.owner_id == activity_id)
    ) or 0
