"""The state machine's one way of moving a request, on SQLite and PostgreSQL: a request changed by someone else
since it was read is not moved again (no event, no audit entry), and every move writes both in its transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from services.funding_errors import RequestChanged
from services.funding_flow import create, move
from services.people import actor_for_person
from storage.models import AuditEntry, FundingEvent, FundingRequest, Person
from tests.support.factories import TOWN_STAFF, load_roster


async def _submitted(rt) -> int:  # noqa: ANN001
    await load_roster(rt)
    async with rt.db.begin() as s:
        staff = await s.scalar(select(Person.id).where(Person.phone == TOWN_STAFF))
        actor = await actor_for_person(s, staff, rt.clock().date())
        req, _event = await create(s, actor, unit_id=actor.unit_id, title="书法班", purpose="笔墨", amount=80_000,
                                   year=2026, now=rt.clock())
        return req.id


async def _counts(rt) -> tuple[int, int]:  # noqa: ANN001
    async with rt.db.begin() as s:
        return (await s.scalar(select(func.count()).select_from(FundingEvent)),
                await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "funding_request")))


async def test_a_request_changed_since_it_was_read_is_not_moved(rt):
    rid = await _submitted(rt)
    with pytest.raises(RequestChanged):
        async with rt.db.begin() as s:
            req = await s.get(FundingRequest, rid)  # read at version 1 …
            await s.execute(update(FundingRequest).where(FundingRequest.id == rid)  # … moved by someone else
                            .values(state="approved", version=2).execution_options(synchronize_session=False))
            await move(s, req, None, "reject", now=rt.clock(), reason="迟到的驳回")
    async with rt.db.begin() as s:
        assert (await s.get(FundingRequest, rid)).state == "submitted"  # the whole transaction rolled back
    assert await _counts(rt) == (1, 1)


async def test_every_move_writes_one_event_and_one_audit_entry(rt):
    rid = await _submitted(rt)
    async with rt.db.begin() as s:
        req = await s.get(FundingRequest, rid)
        await move(s, req, None, "approve", now=rt.clock(), amount=70_000, approved_fen=70_000)
        await move(s, req, None, "disburse", now=rt.clock(), amount=70_000, reason="转账")
    assert await _counts(rt) == (3, 3)
    async with rt.db.begin() as s:
        req = await s.get(FundingRequest, rid)
        assert (req.state, req.version, req.approved_fen) == ("disbursed", 3, 70_000)
        last = await s.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert last.action == "funding_disburse" and last.before["state"] == "approved" and last.after["state"] == "disbursed"
