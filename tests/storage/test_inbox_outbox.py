"""The inbox and the outbox on SQLite and PostgreSQL: stored once, per-person order, claims that keep two senders
from sending one row twice, recovery after a sender died, robot rows, pruning."""

from __future__ import annotations

import asyncio
import sys
import time
import types
from datetime import timedelta

from sqlalchemy import func, select, update

from bot import inbox
from bot.outbox_sender import Sender, drain
from bot.runtime import Runtime
from services.outbox import enqueue
from storage.db import Database
from storage.models import InboxUpdate, OutboxMessage
from tests.support.factories import LIAISON, load_roster, signed_in


def message(update_id: int, user_id: int, text: str) -> dict:
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text.startswith("/") else []
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text, "entities": entities,
        "from": {"id": user_id, "is_bot": False, "first_name": "测试", "language_code": "zh-hans"},
        "chat": {"id": user_id, "type": "private"}}}


async def _rows(rt, model, *where):
    async with rt.db.begin() as s:
        return list(await s.scalars(select(model).where(*where)))


async def test_a_redelivered_update_is_stored_once_and_processed_once(rt, app, api):
    await load_roster(rt)
    assert await inbox.receive(rt, [message(10, 501, "/start")]) == 1
    assert await inbox.receive(rt, [message(10, 501, "/start"), message(10, 501, "/start")]) == 0
    assert await inbox.process_pending(app, rt) == 1
    assert await inbox.process_pending(app, rt) == 0
    assert len(api.sent(501)) == 1
    [row] = await _rows(rt, InboxUpdate)
    assert row.outcome == "ok" and row.processed_at is not None and row.user_id == 501


async def test_a_persons_later_update_waits_for_the_earlier_one(rt, app, api, person):
    """Whichever update wakes a worker, that person's earliest unprocessed update is processed first."""
    await load_roster(rt)
    await signed_in(person, rt, 601, LIAISON)
    first, second = 900_000_001, 900_000_002
    await inbox.receive(rt, [message(first, 601, "/log"), message(second, 601, "昨天")])
    assert await inbox.process_one(app, rt, second) == "ok"
    done = {r.update_id: r.processed_at is not None
            for r in await _rows(rt, InboxUpdate, InboxUpdate.update_id.in_((first, second)))}
    assert done == {first: True, second: False}
    assert await inbox.process_one(app, rt, second) == "ok"
    assert "什么时候" in api.texts(601)[-2] and "主题" in api.texts(601)[-1]  # /log asked the date, 昨天 answered it


async def test_other_peoples_updates_do_not_wait(rt, app, api):
    await load_roster(rt)
    await inbox.receive(rt, [message(2001, 701, "/help"), message(2002, 702, "/help")])
    assert await inbox.process_one(app, rt, 2002) == "ok"
    done = {r.update_id: r.processed_at is not None for r in await _rows(rt, InboxUpdate)}
    assert done == {2001: False, 2002: True}


async def test_in_webhook_mode_an_update_waits_briefly_for_a_lower_update_id(rt, app, api, clock):
    """Webhooks may deliver out of order: a gap below an update holds it back for at most the hold time."""
    await load_roster(rt)
    app.bot_data["reorder_hold"] = 2.0
    await inbox.feed(app, rt, message(100, 901, "/help"))
    await inbox.receive(rt, [message(103, 902, "/help")])
    assert await inbox.process_pending(app, rt) == 0  # 101 and 102 are missing
    await inbox.receive(rt, [message(101, 903, "/help"), message(102, 904, "/help")])
    assert await inbox.process_pending(app, rt) == 3
    await inbox.receive(rt, [message(110, 905, "/help")])
    assert await inbox.process_pending(app, rt) == 0
    clock.advance(seconds=3)  # 104-109 never came (filtered, or lost by Telegram): stop waiting
    assert await inbox.process_pending(app, rt) == 1
    assert [int(c.params["chat_id"]) for c in api.sent()] == [901, 903, 904, 902, 905]


async def test_prune_forgets_only_processed_updates_older_than_a_week(rt, app, clock):
    await load_roster(rt)
    await inbox.receive(rt, [message(1, 801, "/help"), message(2, 802, "/help")])
    await inbox.process_one(app, rt, 1)
    clock.advance(days=8)
    await inbox.receive(rt, [message(3, 803, "/help")])
    await inbox.process_one(app, rt, 3)
    assert await inbox.prune(rt) == 1
    assert sorted(r.update_id for r in await _rows(rt, InboxUpdate)) == [2, 3]  # 2 is still waiting


async def _queue(rt, n: int, *, chat0: int = 90_000, key: str = "t") -> None:
    async with rt.db.begin() as s:
        for i in range(n):
            await enqueue(s, now=rt.clock(), dedupe_key=f"{key}:{i}", chat_id=chat0 + i, text=f"通知 {i}")


def _fast(rt) -> Runtime:
    return Runtime(settings=rt.settings.model_copy(update={"outbox_rate": 10_000}), db=rt.db, clock=rt.clock)


async def test_two_senders_draining_together_send_every_row_exactly_once(rt, app, api):
    """Each row is claimed before it is sent, so two senders on one database never both send it."""
    await _queue(rt, 60)
    other = Runtime(settings=rt.settings.model_copy(update={"outbox_rate": 10_000}), db=Database(rt.settings.database_url),
                    clock=rt.clock)
    try:
        counts = await asyncio.gather(Sender(app, _fast(rt)).drain(), Sender(app, other).drain())
    finally:
        await other.db.dispose()
    assert sum(counts) == 60
    chats = [int(c.params["chat_id"]) for c in api.calls if c.method == "sendMessage"]
    assert sorted(chats) == list(range(90_000, 90_060))
    assert {r.state for r in await _rows(rt, OutboxMessage)} == {"sent"}


async def test_rows_a_dead_sender_had_claimed_are_sent_by_the_next_one(rt, app, api):
    await _queue(rt, 3)
    async with rt.db.begin() as s:  # a sender died holding a claim whose lease runs for another minute
        await s.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key == "t:1")
                        .values(state="sending", not_before=rt.clock() + timedelta(minutes=1)))
    sender = Sender(app, _fast(rt))
    assert await sender.recover() == 1
    assert await sender.drain() == 3
    assert sorted(int(c.params["chat_id"]) for c in api.calls if c.method == "sendMessage") == [90_000, 90_001, 90_002]


async def test_rows_not_due_yet_wait_for_their_time(rt, app, api, clock):
    async with rt.db.begin() as s:
        await enqueue(s, now=clock(), dedupe_key="later", chat_id=5, text="明天提醒", not_before=clock() + timedelta(hours=1))
    assert await drain(app, rt) == 0
    clock.advance(hours=1)
    assert await drain(app, rt) == 1
    assert api.texts(5) == ["明天提醒"]


async def test_robot_rows_go_to_bot_robots_and_wait_without_it(rt, app, api, monkeypatch):
    async with rt.db.begin() as s:
        await enqueue(s, now=rt.clock(), dedupe_key="robot", chat_id=None, channel="wecom", target="http://127.0.0.1:1/hook",
                      text="周报")
        await enqueue(s, now=rt.clock(), dedupe_key="tg", chat_id=6, text="周报")
    monkeypatch.setitem(sys.modules, "bot.robots", None)  # not installed: robot rows are left alone
    assert await drain(app, rt) == 1
    [robot] = await _rows(rt, OutboxMessage, OutboxMessage.channel == "wecom")
    assert robot.state == "pending"
    seen = []

    async def send_robot(rt, row):  # noqa: ANN001
        seen.append((row.channel, row.target, row.payload["text"]))

    monkeypatch.setitem(sys.modules, "bot.robots", types.SimpleNamespace(send_robot=send_robot))
    assert await drain(app, rt) == 1
    assert seen == [("wecom", "http://127.0.0.1:1/hook", "周报")]
    async with rt.db.begin() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == "sent")) == 2


async def test_a_failing_robot_is_retried_later_not_lost(rt, app, monkeypatch, clock):
    async with rt.db.begin() as s:
        await enqueue(s, now=clock(), dedupe_key="robot", chat_id=None, channel="dingtalk", target="x", text="周报")

    async def send_robot(rt, row):  # noqa: ANN001
        raise ConnectionError("robot server down")

    monkeypatch.setitem(sys.modules, "bot.robots", types.SimpleNamespace(send_robot=send_robot))
    assert await drain(app, rt) == 0
    [row] = await _rows(rt, OutboxMessage)
    assert (row.state, row.attempts) == ("pending", 1) and "down" in row.last_error and row.not_before > clock()
