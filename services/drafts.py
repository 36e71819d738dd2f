"""Form state kept in the database, one open form per person, versioned so stale buttons are caught."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import NothingToConfirm, StaleButton
from storage.models import Draft


@dataclass(frozen=True)
class DraftView:
    kind: str
    step: str
    data: dict[str, Any]
    version: int


async def get_draft(session: AsyncSession, person_id: int) -> DraftView | None:
    row = await session.get(Draft, person_id)
    return None if row is None else DraftView(row.kind, row.step, dict(row.data), row.version)


async def save_draft(
    session: AsyncSession, person_id: int, *, kind: str, step: str, data: dict[str, Any], now: datetime
) -> DraftView:
    """Create or replace the person's open form; every save bumps the version."""
    row = await session.get(Draft, person_id)
    if row is None:
        row = Draft(person_id=person_id, kind=kind, step=step, data=data, version=1, updated_at=now)
        session.add(row)
    else:
        row.kind, row.step, row.data, row.updated_at = kind, step, dict(data), now
        row.version = row.version + 1
    await session.flush()
    return DraftView(kind, step, dict(data), row.version)


async def require_draft(session: AsyncSession, person_id: int, kind: str, version: int | None = None) -> DraftView:
    """The open form of `kind`; NothingToConfirm if none, StaleButton if `version` is not the current one."""
    draft = await get_draft(session, person_id)
    if draft is None or draft.kind != kind:
        raise NothingToConfirm()
    if version is not None and version != draft.version:
        raise StaleButton()
    return draft


async def drop_draft(session: AsyncSession, person_id: int) -> bool:
    """Close the person's open form; True when there was one."""
    result = await session.execute(delete(Draft).where(Draft.person_id == person_id))
    return bool(result.rowcount)


async def open_kind(session: AsyncSession, person_id: int) -> str | None:
    return await session.scalar(select(Draft.kind).where(Draft.person_id == person_id))
