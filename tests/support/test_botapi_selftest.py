"""Self-tests of the loopback Bot API server, driven by python-telegram-bot's real Bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, RetryAfter

from tests.support._botapi_rules import RateLimiter, render_html
from tests.support.botapi import TINY_JPEG, BotApiServer

TOKEN = "123:ABC"
ROOT = Path(__file__).resolve().parents[2]


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_bot(api: BotApiServer) -> Bot:
    return Bot(TOKEN, base_url=api.api_url, base_file_url=api.file_url)


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB warns when RetryAfter is built unless PTB_TIMEDELTA opts in; warnings are errors here."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def api():
    async with BotApiServer(token=TOKEN, bot_username="cebot_test") as server:
        yield server


@pytest.fixture
async def bot(api):
    async with make_bot(api) as b:
        yield b


async def test_get_me(bot: Bot, api: BotApiServer) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123, "cebot_test", True)
    assert api.calls[0][0] == "getMe"


async def test_send_message_round_trip(bot: Bot, api: BotApiServer) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("是", callback_data="yes")]])
    msg = await bot.send_message(42, "<b>你好</b> &amp; welcome", parse_mode="HTML", reply_markup=markup)
    assert msg.chat.id == 42 and msg.from_user.id == 123 and msg.text == "你好 & welcome"
    assert msg.reply_markup == markup
    second = await bot.send_message(42, "again")
    assert second.message_id == msg.message_id + 1
    record = api.sent[0]
    assert record["chat_id"] == 42 and record["raw_text"] == "<b>你好</b> &amp; welcome"
    assert record["reply_markup"] == {"inline_keyboard": [[{"text": "是", "callback_data": "yes"}]]}
    assert isinstance(record["time"], float)
    assert api.texts(42) == ["你好 & welcome", "again"] and api.texts(7) == []
    assert api.calls_to("sendMessage")[1] == {"chat_id": 42, "text": "again"}
    assert api.stats["ok"] == 2 and api.unexpected == []


async def test_json_form_and_multipart_bodies(api: BotApiServer, bot: Bot) -> None:
    url = f"{api.api_url}{TOKEN}/sendMessage"
    async with httpx.AsyncClient() as client:
        as_json = await client.post(url, json={"chat_id": "5", "text": "j", "reply_markup": {"inline_keyboard": []}})
        as_form = await client.post(url, data={"chat_id": "5", "text": "f", "disable_notification": "true"})
        as_query = await client.get(url, params={"chat_id": 5, "text": "q"})
    assert [r.json()["result"]["text"] for r in (as_json, as_form, as_query)] == ["j", "f", "q"]
    assert api.calls_to("sendMessage")[1]["disable_notification"] is True
    doc = await bot.send_document(5, b"%PDF-1.4 tiny", filename="report.pdf", caption="报告")
    assert doc.document.file_name == "report.pdf" and doc.caption == "报告"
    assert api.file_bytes(doc.document.file_id) == b"%PDF-1.4 tiny"
    assert api.calls_to("sendDocument")[0]["document"] == {"upload": "report.pdf", "size": 13}


async def test_long_poll_delivers_injected_update_and_offset_confirms(bot: Bot, api: BotApiServer) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_for(lambda a: a.calls_to("getUpdates"))
    await bot.send_message(1, "not blocked by the poll")  # other requests run while a poll waits
    assert not poll.done()
    pushed = api.push_message(7, "/start", first_name="Ann")
    updates = await asyncio.wait_for(poll, 2)
    assert [u.update_id for u in updates] == [pushed["update_id"]]
    assert updates[0].message.text == "/start" and updates[0].message.entities[0].type == "bot_command"
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()
    assert api.pending_updates == []


async def test_unconfirmed_update_is_returned_again(bot: Bot, api: BotApiServer) -> None:
    api.push_message(7, "hello")
    api.push_message(8, "world")
    first = await bot.get_updates(timeout=0, limit=1)
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in first] == [1] and [u.update_id for u in again] == [1, 2]
    last_only = await bot.get_updates(offset=-1, timeout=0)
    assert [u.update_id for u in last_only] == [2]


async def test_allowed_updates_filter(bot: Bot, api: BotApiServer) -> None:
    api.push_message(7, "text")
    api.push_callback(7, "x", message_id=99)
    updates = await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    assert [u.callback_query.data for u in updates] == ["x"]


async def test_newer_poll_terminates_older_one(api: BotApiServer) -> None:
    async with make_bot(api) as first, make_bot(api) as second:
        poll = asyncio.create_task(first.get_updates(timeout=5))
        await api.wait_for(lambda a: a.calls_to("getUpdates"))
        assert await second.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="(?i)terminated by other getUpdates"):
            await asyncio.wait_for(poll, 2)


async def test_update_shapes_parse(bot: Bot, api: BotApiServer) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok:1")]])
    sent = await bot.send_message(7, "pick", reply_markup=markup)
    callback = Update.de_json(api.push_callback(7, "ok:1", message_id=sent.message_id), bot)
    assert callback.callback_query.data == "ok:1" and callback.callback_query.message.text == "pick"
    assert callback.callback_query.message.reply_markup == markup
    stale = Update.de_json(api.push_callback(7, "old", message_id=999), bot)
    assert not stale.callback_query.message.is_accessible
    contact = Update.de_json(api.push_contact(7, "+8613800000000"), bot)
    assert contact.message.contact.user_id == 7 and contact.message.contact.phone_number == "+8613800000000"
    photo = Update.de_json(api.push_photo(7, "PHOTO1", media_group_id="g1", caption="图"), bot)
    assert photo.message.photo[-1].file_id == "PHOTO1" and photo.message.media_group_id == "g1"
    group = Update.de_json(api.push_message(7, "hi all", chat_id=-100123, username="ann"), bot)
    assert group.message.chat.type == "group" and group.effective_user.language_code == "zh-hans"
    assert group.effective_user.username == "ann"
    assert await bot.answer_callback_query(callback.callback_query.id, text="done")
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(callback.callback_query.id)


async def test_file_download(bot: Bot, api: BotApiServer) -> None:
    api.push_photo(7, "PHOTO1")
    assert await (await bot.get_file("PHOTO1")).download_as_bytearray() == bytearray(TINY_JPEG)
    path = api.add_file("DOC1", b"hello file")
    tg_file = await bot.get_file("DOC1")
    assert tg_file.file_path.endswith(path) and tg_file.file_size == 10
    assert await tg_file.download_as_bytearray() == bytearray(b"hello file")
    with pytest.raises(BadRequest, match="(?i)invalid file_id"):
        await bot.get_file("nope")


async def test_photo_and_media_group_sends(bot: Bot, api: BotApiServer) -> None:
    photo = await bot.send_photo(9, TINY_JPEG, caption="<i>pic</i>", parse_mode="HTML")
    assert photo.caption == "pic" and api.file_bytes(photo.photo[-1].file_id) == TINY_JPEG
    album = await bot.send_media_group(9, [InputMediaPhoto(TINY_JPEG), InputMediaPhoto(photo.photo[-1].file_id)])
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    assert [m["method"] for m in api.sent] == ["sendPhoto", "sendMediaGroup", "sendMediaGroup"]
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_photo(9, "unknown-file-id")


async def test_global_rate_limit_answers_429() -> None:
    clock = FakeClock()
    async with BotApiServer(token=TOKEN, clock=clock) as api, make_bot(api) as bot:
        for i in range(30):
            await bot.send_message(i + 1, f"m{i}")
        with pytest.raises(RetryAfter) as err:
            await bot.send_message(99, "one too many")
        assert err.value.retry_after == dtm.timedelta(seconds=1)
        assert len(api.sent) == 30 and "one too many" not in api.texts()
        clock.now += 0.5
        with pytest.raises(RetryAfter):
            await bot.send_message(99, "still too many")
        clock.now += 0.5
        await bot.send_message(99, "fine now")
        assert dict(api.stats) == {"ok": 31, "429": 2}


async def test_group_rate_limit_per_minute() -> None:
    clock = FakeClock()
    async with BotApiServer(token=TOKEN, clock=clock) as api, make_bot(api) as bot:
        for i in range(20):
            await bot.send_message(-100, f"g{i}")
            clock.now += 0.1
        with pytest.raises(RetryAfter) as err:
            await bot.send_message(-100, "g20")
        assert err.value.retry_after == dtm.timedelta(seconds=58)  # ceil(1000 + 60 - 1002)
        await bot.send_message(-200, "another group is fine")
        await bot.send_message(5, "private chats are fine")
        clock.now = 1060.0
        await bot.send_message(-100, "window slid")
        assert api.stats["429"] == 1 and api.texts(-100)[-1] == "window slid"


def test_rate_limiter_unit() -> None:
    clock = FakeClock(0.0)
    limiter = RateLimiter(clock, per_second=2, group_per_minute=3)
    for _ in range(2):
        assert limiter.check(-1) is None
        limiter.record(-1)
    assert limiter.check(5) == 1
    clock.now = 1.0
    assert limiter.check(-1) is None
    limiter.record(-1)
    clock.now = 2.0
    assert limiter.check(-1) == 58 and limiter.check(-2) is None
    clock.now = 60.0
    assert limiter.check(-1) is None


async def test_fail_429_every(bot: Bot, api: BotApiServer) -> None:
    api.configure(fail_429_every=3, limits=False)
    outcomes = []
    for i in range(6):
        try:
            await bot.send_message(1, f"n{i}")
            outcomes.append("ok")
        except RetryAfter:
            outcomes.append("429")
    assert outcomes == ["ok", "ok", "429", "ok", "ok", "429"]
    assert api.stats == {"ok": 4, "429": 2}


async def test_blocked_chat_and_migration(bot: Bot, api: BotApiServer) -> None:
    api.block_chat(7)
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(7, "hi")
    api.migrate_chat(-5, -1001234567890)
    with pytest.raises(ChatMigrated) as err:
        await bot.send_message(-5, "hi")
    assert err.value.new_chat_id == -1001234567890
    moved = await bot.send_message(-1001234567890, "hi")
    assert moved.chat.type == "supergroup"
    assert api.stats == {"403": 1, "400": 1, "ok": 1} and api.texts() == ["hi"]


async def test_edit_delete_and_validation(bot: Bot, api: BotApiServer) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="a")]])
    msg = await bot.send_message(3, "v1", reply_markup=markup)
    edited = await bot.edit_message_text("v2", chat_id=3, message_id=msg.message_id, reply_markup=markup)
    assert edited.text == "v2" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("v2", chat_id=3, message_id=msg.message_id, reply_markup=markup)
    plain = await bot.edit_message_text("v3", chat_id=3, message_id=msg.message_id)
    assert plain.reply_markup is None  # editing text without reply_markup drops the keyboard
    await bot.edit_message_reply_markup(chat_id=3, message_id=msg.message_id, reply_markup=markup)
    assert api.message(3, msg.message_id)["reply_markup"] == markup.to_dict()
    assert await bot.delete_message(3, msg.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("v4", chat_id=3, message_id=msg.message_id)
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(3, msg.message_id)
    with pytest.raises(BadRequest, match="(?i)can't parse entities: Unsupported start tag"):
        await bot.send_message(3, "a <x> b", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        long_data = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data="x" * 65)]])
        await bot.send_message(3, "t", reply_markup=long_data)
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(3, "  ")
    assert [m["method"] for m in api.sent] == ["sendMessage", "editMessageText", "editMessageText"]


async def test_setup_methods(bot: Bot, api: BotApiServer) -> None:
    assert await bot.set_my_commands([("start", "开始"), ("help", "帮助")], language_code="zh")
    assert [c.command for c in await bot.get_my_commands(language_code="zh")] == ["start", "help"]
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Bad-Name", "x")])
    assert await bot.set_chat_menu_button()
    assert await bot.send_chat_action(3, "typing")
    assert await bot.set_webhook("http://127.0.0.1:1/hook")
    with pytest.raises(Conflict, match="(?i)webhook is active"):
        await bot.get_updates(timeout=0)
    api.push_message(7, "queued")
    assert (await bot.get_webhook_info()).pending_update_count == 1
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == "" and api.pending_updates == []
    assert api.unexpected == []


async def test_unexpected_method_and_wrong_token(bot: Bot, api: BotApiServer) -> None:
    with pytest.raises(InvalidToken, match="(?i)method not found"):
        await bot.send_dice(1)
    assert api.unexpected == [("sendDice", {"chat_id": 1})]
    intruder = Bot("999:WRONG", base_url=api.api_url)
    try:
        with pytest.raises(InvalidToken, match="(?i)rejected"):
            await intruder.initialize()
    finally:
        await intruder.shutdown()
    assert api.unexpected[-1][0] == "getMe (wrong token)"


async def test_duplicates_and_wait_for(bot: Bot, api: BotApiServer) -> None:
    waiter = asyncio.create_task(api.wait_for(lambda a: len(a.texts()) >= 3, timeout=2))
    for text in ("x", "y", "x"):
        await bot.send_message(1, text)
    assert await waiter
    assert api.duplicates() == {(1, "x"): 2}
    with pytest.raises(TimeoutError):
        await api.wait_for(lambda a: len(a.sent) > 3, timeout=0.05)


def test_render_html_rules() -> None:
    assert render_html('<a href="https://x.y/?a=1&b=2">link</a> &lt;3 &#20320; & co') == "link <3 你 & co"
    for bad, reason in [("<b>x", "Can't find end tag"), ("x</b>", "Unexpected end tag"),
                        ("<b><i>x</b></i>", "Unmatched end tag"), ("a < b", "Unclosed start tag"),
                        ("<span>x</span>", 'must have class "tg-spoiler"')]:
        with pytest.raises(Exception, match="(?i)" + reason):
            render_html(bad)


def _poll_in_thread(url: str, results: list[dict]) -> threading.Thread:
    def run() -> None:
        with httpx.Client() as client:
            results.append(client.post(url, data={"timeout": "5"}, timeout=10).json())
    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_thread_mode() -> None:
    with BotApiServer(token=TOKEN) as server:
        with httpx.Client(base_url=f"{server.api_url}{TOKEN}") as client:
            assert client.post("/sendMessage", data={"chat_id": "4", "text": "from sync"}).json()["ok"]
            assert server.wait_for_sent(1, timeout=2)[0]["text"] == "from sync"
            results: list[dict] = []
            poller = _poll_in_thread(f"{server.api_url}{TOKEN}/getUpdates", results)
            server.wait_until(lambda api: api.calls_to("getUpdates"), timeout=2)
            server.push_message(4, "to the poller")
            poller.join(timeout=3)
        assert results[0]["result"][0]["message"]["text"] == "to the poller"
        with pytest.raises(TimeoutError):
            server.wait_for_sent(5, timeout=0.05)


async def test_thread_mode_from_async_code() -> None:
    server = BotApiServer(token=TOKEN).start_in_thread()
    try:
        async with make_bot(server) as bot:
            poll = asyncio.create_task(bot.get_updates(timeout=5))
            await server.wait_for(lambda api: api.calls_to("getUpdates"), timeout=2)
            server.push_message(4, "cross-thread wake-up")
            assert (await asyncio.wait_for(poll, 2))[0].message.text == "cross-thread wake-up"
    finally:
        server.stop()


async def test_subprocess_mode(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "tests.support.botapi", "--port", "0", "--token", TOKEN,
           "--state-dir", str(tmp_path)]
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True) as proc:
        try:
            base_url = proc.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:")
            async with httpx.AsyncClient(base_url=f"{base_url}/_control") as control:
                pushed = (await control.post("/push_update", json={"kind": "message", "user_id": 7, "text": "/start"})).json()
                assert pushed["ok"] and pushed["result"]["message"]["text"] == "/start"
                async with Bot(TOKEN, base_url=f"{base_url}/bot") as bot:
                    updates = await bot.get_updates(timeout=2)
                    assert updates[0].message.text == "/start"
                    await bot.send_message(7, "欢迎")
                    assert (await control.post("/configure", json={"block_chat": 7})).json()["ok"]
                    with pytest.raises(Forbidden):
                        await bot.send_message(7, "blocked")
                sent = (await control.post("/wait_sent", json={"n": 1, "timeout": 2})).json()["result"]
                assert [m["text"] for m in sent] == ["欢迎"]
                assert (await control.get("/sent", params={"since": 1})).json()["result"] == []
                assert (await control.get("/stats")).json()["result"] == {"ok": 1, "403": 1}
                assert (await control.get("/unexpected")).json()["result"] == []
        finally:
            proc.terminate()
            assert proc.wait(timeout=5) == 0
    state = json.loads((tmp_path / "state.json").read_text(encoding="utf-8"))
    assert state["stats"] == {"ok": 1, "403": 1}
    assert (tmp_path / "url").read_text().strip() == base_url
    assert len((tmp_path / "sent.jsonl").read_text(encoding="utf-8").splitlines()) == 1
