"""A regression guard on the SQL each update costs: a one-line /log and its ✅, counted statement by statement.

No timings: the number of statements and transactions the engine sees per update, on SQLite and PostgreSQL.
The bounds are today's counts; raise them only for a reason (a new guarantee), not by accident.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, select, update

from storage.models import Activity, ChatAccount
from tests.support.factories import LIAISON, load_roster, signed_in

LINE = "/log 昨天 老年健康讲座 45人 2小时 老年教育 村文化礼堂"
# Statements per update as the engine sees them, SAVEPOINT/RELEASE included. SQLite also shows the BEGIN
# IMMEDIATE the bot issues itself (two transactions: store, process); PostgreSQL instead takes the person's
# advisory lock. COMMIT is not a cursor statement.
MESSAGE_MAX = {"sqlite": 11, "postgresql": 10}
PRESS_MAX = {"sqlite": 13, "postgresql": 12}
TRANSACTIONS_MAX = 2  # the inbox row stored and committed, then the update processed with its effects


@contextmanager
def counting(engine):
    seen: dict[str, list] = {"statements": [], "transactions": []}

    def on_statement(conn, cursor, statement, *args):
        seen["statements"].append(statement)

    def on_begin(conn):
        seen["transactions"].append(conn)

    event.listen(engine.sync_engine, "before_cursor_execute", on_statement)
    event.listen(engine.sync_engine, "begin", on_begin)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", on_statement)
        event.remove(engine.sync_engine, "begin", on_begin)


def _report(seen: dict[str, list]) -> str:
    return "\n".join(s.split("\n")[0][:120] for s in seen["statements"])


async def test_a_one_line_log_and_its_confirmation_stay_within_their_statement_budget(rt, app, api, person):
    await load_roster(rt)
    liaison = await signed_in(person, rt, 5101, LIAISON)
    dialect = rt.db.dialect

    with counting(rt.db.engine) as seen:
        replies = await liaison.send(LINE)
    assert "老年健康讲座" in replies[-1]
    assert len(seen["statements"]) <= MESSAGE_MAX[dialect], _report(seen)
    assert len(seen["transactions"]) <= TRANSACTIONS_MAX

    with counting(rt.db.engine) as seen:
        replies = await liaison.press("✅")
    assert "#" in replies[-1]
    assert len(seen["statements"]) <= PRESS_MAX[dialect], _report(seen)
    assert len(seen["transactions"]) <= TRANSACTIONS_MAX

    async with rt.db.begin() as s:
        assert await s.scalar(select(Activity.title)) == "老年健康讲座"


async def test_writing_in_private_still_clears_the_unreachable_flag(rt, app, api, person):
    """The flag is read with the inbox row instead of an UPDATE on every update: it must still be cleared."""
    await load_roster(rt)
    liaison = await signed_in(person, rt, 5102, LIAISON)
    async with rt.db.begin() as s:
        await s.execute(update(ChatAccount).where(ChatAccount.tg_user_id == 5102).values(unreachable_at=rt.clock()))
    await liaison.send("/help")
    async with rt.db.begin() as s:
        assert await s.scalar(select(ChatAccount.unreachable_at).where(ChatAccount.tg_user_id == 5102)) is None
