"""Transactions: concurrent read-then-write units of work never fail half-way, and a failing update rolls back."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from sqlalchemy import func, select

from storage.models import AuditEntry


async def _read_then_write(rt, n: int) -> None:
    async with rt.db.begin() as s:
        count = await s.scalar(select(func.count()).select_from(AuditEntry))
        await asyncio.sleep(0)  # let the other unit of work start between the read and the write
        s.add(AuditEntry(at=datetime.now(timezone.utc), actor_id=None, action="test", entity="x", entity_id=n,
                         before={"seen": count}, after=None))


async def test_concurrent_read_then_write_transactions_all_commit(rt):
    await asyncio.gather(*(_read_then_write(rt, n) for n in range(8)))
    async with rt.db.begin() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 8


async def test_a_transaction_that_raises_leaves_nothing(rt):
    try:
        async with rt.db.begin() as s:
            s.add(AuditEntry(at=datetime.now(timezone.utc), actor_id=None, action="t", entity="x", entity_id=1))
            await s.flush()
            raise RuntimeError("the process dies here")
    except RuntimeError:
        pass
    async with rt.db.begin() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 0
