"""A loopback Telegram Bot API server for tests and benchmarks: in-process, in a thread or as a process.

    async with BotApiServer(token="123:ABC") as api:          # on the running loop
        bot = telegram.Bot("123:ABC", base_url=api.api_url, base_file_url=api.file_url)
    server = BotApiServer().start_in_thread(); ...; server.stop()   # for sync code
    python -m tests.support.botapi --port 0 --token T --state-dir DIR  # prints base URL first

Requests: POST/GET {base}/bot<token>/<method> (JSON, form or multipart); files at
{base}/file/bot<token>/<path>; control API at {base}/_control/<action> (see _botapi_http).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import itertools
import json
import re
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from tests.support._botapi_http import make_app
from tests.support._botapi_methods import BotApiMethods
from tests.support._botapi_rules import (
    ApiError,
    RateLimiter,
    Upload,
    allowed_set,
    chat_type,
    decode_params,
    utf16_len,
)

Json = dict[str, Any]
Predicate = Callable[["BotApiServer"], Any]

# Flood-limited methods (lower case): every send*/edit* except sendChatAction.
DEFAULT_LIMITED = frozenset({
    "sendmessage", "sendphoto", "senddocument", "sendmediagroup", "sendvideo", "sendaudio",
    "sendvoice", "sendanimation", "sendsticker", "sendlocation", "sendcontact", "sendpoll",
    "senddice", "sendvenue", "sendvideonote", "sendinvoice", "sendpaidmedia",
    "editmessagetext", "editmessagereplymarkup", "editmessagecaption", "editmessagemedia",
    "editmessagelivelocation",
})
SEND_RECORDED = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup"})
TINY_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb0043") + bytes(64) + b"\xff\xd9"
_COMMAND = re.compile(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?")
_CONFIGURABLE = frozenset({
    "fail_429_every", "limits", "per_second", "group_per_minute", "bot_username", "bot_first_name",
    "limited_methods",
})


def _wake(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def _command_entities(text: str) -> list[Json]:
    """A bot_command entity when the text starts with /command (PTB's CommandHandler needs it)."""
    m = _COMMAND.match(text)
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(m.group())}] if m else []


class BotApiServer(BotApiMethods):
    """Serves the Bot API's HTTP shape on 127.0.0.1, records what the bot does, injects updates."""

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "test_bot",
        bot_first_name: str = "Test Bot",
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        limits: bool = True,
        per_second: int = 30,
        group_per_minute: int = 20,
        fail_429_every: int = 0,
        limited_methods: frozenset[str] | None = None,
        state_dir: str | Path | None = None,
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        head = token.split(":", 1)[0]
        self.bot_id = int(head) if head.isdigit() else 1
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.clock = clock
        self.wall_clock = wall_clock
        self.limiter = RateLimiter(clock, per_second, group_per_minute)
        self.limits = limits
        self.fail_429_every = fail_429_every
        self.limited_methods = DEFAULT_LIMITED if limited_methods is None else limited_methods
        self.state_dir = Path(state_dir) if state_dir else None
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._init_records()
        self._init_world()
        self._methods = {
            name[len("_api_"):].lower(): getattr(self, name) for name in dir(self) if name.startswith("_api_")
        }
        self._loop: asyncio.AbstractEventLoop | None = None
        self._http: HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self._inflight = 0
        self._shutdown: asyncio.Event | None = None

    def _init_records(self) -> None:
        self._calls: list[tuple[str, Json]] = []
        self._sent: list[Json] = []
        self._unexpected: list[tuple[str, Json]] = []
        self._stats: Counter[str] = Counter()

    def _init_world(self) -> None:
        self._updates: list[Json] = []
        self._last_update_id = 0
        self._poll_gen = 0
        self._allowed = allowed_set(None)
        self._allowed_raw: list[str] | None = None
        self._users: dict[int, Json] = {}
        self._chats: dict[int, Json] = {}
        self._messages: dict[tuple[int, int], Json] = {}
        self._next_message_id: dict[int, int] = {}
        self._open_callbacks: set[str] = set()
        self._seq = itertools.count(1)
        self._files: dict[str, tuple[str, bytes]] = {}
        self._paths: dict[str, str] = {}
        self._webhook: Json = {}
        self._commands: dict[tuple[str, str], list[Json]] = {}
        self._menu_buttons: dict[int | None, Json] = {}
        self._blocked: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._send_attempts = 0

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT — the bot's TELEGRAM_API_URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """base_url for telegram.Bot(base_url=...)."""
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        """base_file_url for telegram.Bot(base_file_url=...)."""
        return f"{self.base_url}/file/bot"

    async def start(self) -> BotApiServer:
        """Listen on the running loop."""
        if self._http is not None:
            raise RuntimeError("BotApiServer already started")
        self._loop = asyncio.get_running_loop()
        self._closing = False
        sockets = bind_sockets(self.port, self.host)
        self._http = HTTPServer(make_app(self))
        self._http.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        self._write_state_file("url", self.base_url + "\n")
        return self

    async def aclose(self) -> None:
        """End long polls, stop listening and close every connection."""
        if self._http is None:
            return
        with self._lock:
            self._closing = True
            self._notify()
        self._http.stop()
        try:
            await self.wait_for(lambda api: api._inflight == 0, 5.0)
        except TimeoutError:
            pass
        await self._http.close_all_connections()
        self._http = None

    async def __aenter__(self) -> BotApiServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def start_in_thread(self, timeout: float = 10.0) -> BotApiServer:
        """Run the server on its own event loop in a daemon thread."""
        ready = threading.Event()
        errors: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._thread_main, args=(ready, errors), name="BotApiServer", daemon=True
        )
        self._thread.start()
        if not ready.wait(timeout):
            raise TimeoutError("BotApiServer thread did not start")
        if errors:
            raise errors[0]
        return self

    def _thread_main(self, ready: threading.Event, errors: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        try:
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to start_in_thread()
                errors.append(exc)
                return
            finally:
                ready.set()
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop a server started with start_in_thread()."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            raise RuntimeError("BotApiServer was not started with start_in_thread()")
        asyncio.run_coroutine_threadsafe(self.aclose(), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._thread = None

    def __enter__(self) -> BotApiServer:
        return self.start_in_thread()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _request_shutdown(self) -> None:
        """Ask a standalone server (serve_forever) to exit."""
        if self._shutdown is not None:
            self._shutdown.set()

    # ----------------------------------------------------------------- waiting

    def _notify(self) -> None:
        """Wake every waiter (threads and event loops); call with the lock held."""
        self._cond.notify_all()
        waiters, self._waiters = self._waiters, []
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for loop, fut in waiters:
            if loop is running:
                _wake(fut)
            elif not loop.is_closed():
                try:
                    loop.call_soon_threadsafe(_wake, fut)
                except RuntimeError:
                    pass  # the loop closed meanwhile

    def _add_waiter(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        fut: asyncio.Future[None] = loop.create_future()
        self._waiters.append((loop, fut))
        return fut

    async def _sleep_on(self, fut: asyncio.Future[None], timeout: float) -> None:
        """Wait until fut is woken or timeout passes."""
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters = [w for w in self._waiters if w[1] is not fut]

    async def wait_for(self, predicate: Predicate, timeout: float = 5.0) -> Any:
        """Wait until predicate(api) is truthy and return its value; TimeoutError otherwise."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            with self._lock:
                value = predicate(self)
                if value:
                    return value
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout}s; texts sent: {self.texts()!r}")
                fut = self._add_waiter(loop)
            await self._sleep_on(fut, remaining)

    async def wait_sent(self, n: int, timeout: float = 5.0) -> list[Json]:
        """Async: wait until at least n messages are recorded as sent."""
        await self.wait_for(lambda api: len(api._sent) >= n, timeout)
        return self.sent

    def wait_until(self, predicate: Predicate, timeout: float = 5.0) -> Any:
        """Thread-safe blocking wait until predicate(api) is truthy; TimeoutError otherwise."""
        if self._loop is not None and self._on_server_loop():
            raise RuntimeError("blocking wait on the server's own loop; use `await api.wait_for(...)`")
        with self._cond:
            value = self._cond.wait_for(lambda: predicate(self), timeout)
            if not value:
                raise TimeoutError(f"condition not met within {timeout}s; texts sent: {self.texts()!r}")
            return value

    def wait_for_sent(self, n: int, timeout: float = 5.0) -> list[Json]:
        """Thread-safe: block until at least n messages are recorded as sent, return them."""
        self.wait_until(lambda api: len(api._sent) >= n, timeout)
        return self.sent

    def _on_server_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    # ----------------------------------------------------------------- records

    @property
    def calls(self) -> list[tuple[str, Json]]:
        """Every request as (method, params), in order."""
        with self._lock:
            return list(self._calls)

    @property
    def sent(self) -> list[Json]:
        """Messages the bot sent or edited (sendMessage/Photo/Document/MediaGroup, editMessageText)."""
        with self._lock:
            return list(self._sent)

    @property
    def unexpected(self) -> list[tuple[str, Json]]:
        """Calls of methods this server does not implement (and calls with a wrong token)."""
        with self._lock:
            return list(self._unexpected)

    @property
    def stats(self) -> Counter[str]:
        """Outcomes of flood-limited methods: {"ok": n, "429": n, "403": n, "400": n}."""
        with self._lock:
            return Counter(self._stats)

    @property
    def pending_updates(self) -> list[Json]:
        """Updates not yet confirmed by an offset."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def texts(self, chat_id: int | None = None) -> list[str]:
        """Texts (or captions) of sent records, optionally for one chat."""
        with self._lock:
            return [
                m["text"] for m in self._sent
                if m["text"] is not None and (chat_id is None or m["chat_id"] == chat_id)
            ]

    def calls_to(self, method: str) -> list[Json]:
        """Params of every call to one method (case-insensitive)."""
        with self._lock:
            return [p for m, p in self._calls if m.lower() == method.lower()]

    def duplicates(self, key: Callable[[Json], Any] = lambda m: (m["chat_id"], m["text"])) -> dict[Any, int]:
        """Keys of sends (not edits) that occur more than once, with their counts."""
        with self._lock:
            counts = Counter(key(m) for m in self._sent if m["method"] in SEND_RECORDED)
        return {k: n for k, n in counts.items() if n > 1}

    def reset_records(self) -> None:
        """Forget calls, sent, unexpected, stats and flood windows (chats and messages stay)."""
        with self._lock:
            self._init_records()
            self.limiter.reset()
            self._notify()

    def message(self, chat_id: int, message_id: int) -> Json | None:
        """Current state of a message in a chat (bot's or user's), or None if unknown/deleted."""
        with self._lock:
            msg = self._messages.get((chat_id, message_id))
            return copy.deepcopy(msg) if msg else None

    def _record_call(self, method: str, params: Json, files: dict[str, Upload]) -> None:
        entry = dict(params)
        for name, upload in files.items():
            entry[name] = {"upload": upload.filename, "size": len(upload.content)}
        with self._lock:
            self._calls.append((method, entry))
        self._append_state("calls", {"method": method, "params": entry})

    def _record_unexpected(self, method: str, params: Json) -> None:
        self._unexpected.append((method, params))
        self._append_state("unexpected", {"method": method, "params": params})

    def _record_sent(self, method: str, msg: Json, params: Json, **extra: Any) -> None:
        record = {
            "method": method,
            "chat_id": msg["chat"]["id"] if msg else params.get("chat_id"),
            "message_id": msg["message_id"] if msg else None,
            "text": msg.get("text", msg.get("caption")) if msg else params.get("text"),
            "raw_text": params.get("text", params.get("caption")),
            "parse_mode": params.get("parse_mode"),
            "reply_markup": params.get("reply_markup"),
            "time": self.clock(),
            "message": copy.deepcopy(msg),
            **extra,
        }
        self._sent.append(record)
        self._append_state("sent", record)

    def _append_state(self, kind: str, record: Json) -> None:
        if self.state_dir is not None:
            with open(self.state_dir / f"{kind}.jsonl", "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def _write_state_file(self, name: str, text: str) -> None:
        if self.state_dir is not None:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            (self.state_dir / name).write_text(text, encoding="utf-8")

    def dump_state(self) -> None:
        """Write state.json (calls, sent, unexpected, stats) into state_dir, if set."""
        with self._lock:
            state = {
                "calls": self._calls, "sent": self._sent, "unexpected": self._unexpected,
                "stats": dict(self._stats), "pending_updates": self._updates,
            }
            text = json.dumps(state, ensure_ascii=False, default=str, indent=1)
        self._write_state_file("state.json", text)

    # ----------------------------------------------------------------- configuration and faults

    def configure(self, **options: Any) -> None:
        """Change fail_429_every, limits, per_second, group_per_minute, bot_username, ..."""
        unknown = set(options) - _CONFIGURABLE
        if unknown:
            raise TypeError(f"unknown option(s): {sorted(unknown)}")
        with self._lock:
            for name in ("per_second", "group_per_minute"):
                if name in options:
                    setattr(self.limiter, name, int(options.pop(name)))
            if "limited_methods" in options:
                options["limited_methods"] = frozenset(m.lower() for m in options["limited_methods"])
            for name, value in options.items():
                setattr(self, name, value)
            self._send_attempts = 0

    def block_chat(self, chat_id: int) -> None:
        """Sends into chat_id answer 403 'bot was blocked by the user'."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """Undo block_chat."""
        with self._lock:
            self._blocked.discard(chat_id)

    def migrate_chat(self, old_id: int, new_id: int) -> None:
        """Sends into old_id answer 400 with parameters.migrate_to_chat_id = new_id."""
        with self._lock:
            self._migrated[old_id] = new_id
            self._chats.setdefault(new_id, {"id": new_id, "type": "supergroup", "title": f"Group {new_id}"})

    def add_file(self, file_id: str, content: bytes, *, file_path: str | None = None) -> str:
        """Make file_id known to getFile and downloadable; return its file_path."""
        with self._lock:
            path = file_path or f"documents/file_{next(self._seq)}"
            self._files[file_id] = (path, bytes(content))
            self._paths[path] = file_id
            return path

    def file_bytes(self, file_id: str) -> bytes | None:
        """Content of a registered or uploaded file."""
        with self._lock:
            entry = self._files.get(file_id)
            return entry[1] if entry else None

    def _download(self, token: str, file_path: str) -> bytes | None:
        with self._lock:
            file_id = self._paths.get(file_path)
            return self._files[file_id][1] if token == self.token and file_id else None

    # ----------------------------------------------------------------- update injection

    def _user(self, user_id: int, first_name: str | None, language_code: str | None, username: str | None) -> Json:
        """Remember (and update) a user and their private chat; return the User object."""
        user = self._users.setdefault(
            user_id, {"id": user_id, "is_bot": False, "first_name": "Test User", "language_code": "zh-hans"}
        )
        for key, value in (("first_name", first_name), ("language_code", language_code), ("username", username)):
            if value is not None:
                user[key] = value
        chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        self._chats[user_id] = chat
        return dict(user)

    def _chat(self, chat_id: int) -> Json:
        known = self._chats.get(chat_id)
        if known is not None:
            return dict(known)
        kind = chat_type(chat_id)
        if kind == "private":
            return {"id": chat_id, "type": kind, "first_name": f"User {chat_id}"}
        return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}

    def _bot_user(self) -> Json:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_first_name, "username": self.bot_username}

    def _new_message(self, chat_id: int, sender: Json, **content: Any) -> Json:
        """Store a new message in a chat with the chat's next message_id."""
        message_id = self._next_message_id.get(chat_id, 0) + 1
        self._next_message_id[chat_id] = message_id
        msg = {"message_id": message_id, "from": sender, "chat": self._chat(chat_id), "date": int(self.wall_clock())}
        msg.update(content)
        self._messages[(chat_id, message_id)] = msg
        return msg

    def _enqueue(self, update: Json) -> Json:
        """Queue an update (assigning update_id if missing) and wake long polls."""
        with self._lock:
            update = copy.deepcopy(update)
            if "update_id" not in update:
                update = {"update_id": self._last_update_id + 1, **update}
            self._last_update_id = max(self._last_update_id, int(update["update_id"]))
            self._updates.append(update)
            self._notify()
            return copy.deepcopy(update)

    def _user_message(self, user_id: int, chat_id: int | None, names: tuple[Any, Any, Any], **content: Any) -> Json:
        with self._lock:
            user = self._user(user_id, *names)
            return self._new_message(user_id if chat_id is None else chat_id, user, **content)

    def push_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
        reply_to: int | None = None,
    ) -> Json:
        """Queue a text message from a user (private chat unless chat_id); returns the update.

        first_name/language_code default to the user's previous values, else "Test User"/"zh-hans".
        """
        content: Json = {"text": text}
        entities = _command_entities(text)
        if entities:
            content["entities"] = entities
        with self._lock:
            target = user_id if chat_id is None else chat_id
            replied = self._messages.get((target, reply_to)) if reply_to is not None else None
            if replied is not None:
                content["reply_to_message"] = copy.deepcopy(replied)
            msg = self._user_message(user_id, chat_id, (first_name, language_code, username), **content)
            return self._enqueue({"message": msg})

    def push_contact(self, user_id: int, phone: str, *, contact_user_id: int | None = None,
                     chat_id: int | None = None) -> Json:
        """Queue a shared contact; contact_user_id defaults to the sender (a request_contact button)."""
        with self._lock:
            owner = user_id if contact_user_id is None else contact_user_id
            name = self._users.get(owner, {}).get("first_name", "Test User")
            contact = {"phone_number": phone, "first_name": name, "user_id": owner}
            msg = self._user_message(user_id, chat_id, (None, None, None), contact=contact)
            return self._enqueue({"message": msg})

    def push_callback(self, user_id: int, data: str, *, message_id: int, chat_id: int | None = None) -> Json:
        """Queue a callback_query pressed on message_id (inaccessible-message shape if unknown)."""
        with self._lock:
            chat_id = user_id if chat_id is None else chat_id
            user = self._user(user_id, None, None, None)
            known = self._messages.get((chat_id, message_id))
            message = copy.deepcopy(known) if known else {"chat": self._chat(chat_id), "message_id": message_id, "date": 0}
            query_id = f"{self.bot_id}{next(self._seq):08d}"
            self._open_callbacks.add(query_id)
            query = {"id": query_id, "from": user, "chat_instance": f"{chat_id}{self.bot_id}",
                     "message": message, "data": data}
            return self._enqueue({"callback_query": query})

    def _photo_sizes(self, file_id: str) -> list[Json]:
        """Two PhotoSizes (thumbnail, full) for a registered photo."""
        thumb = f"{file_id}-thumb"
        if thumb not in self._files:
            self.add_file(thumb, TINY_JPEG, file_path=f"photos/file_{next(self._seq)}.jpg")
        return [
            {"file_id": thumb, "file_unique_id": f"u{thumb}"[:32], "width": 90, "height": 90,
             "file_size": len(self._files[thumb][1])},
            {"file_id": file_id, "file_unique_id": f"u{file_id}"[:32], "width": 800, "height": 600,
             "file_size": len(self._files[file_id][1])},
        ]

    def push_photo(self, user_id: int, file_id: str, *, media_group_id: str | None = None,
                   caption: str | None = None, chat_id: int | None = None) -> Json:
        """Queue a photo message; file_id (and its thumbnail) become downloadable JPEG-ish bytes."""
        with self._lock:
            if file_id not in self._files:
                self.add_file(file_id, TINY_JPEG, file_path=f"photos/file_{next(self._seq)}.jpg")
            content: Json = {"photo": self._photo_sizes(file_id)}
            if media_group_id is not None:
                content["media_group_id"] = media_group_id
            if caption is not None:
                content["caption"] = caption
            msg = self._user_message(user_id, chat_id, (None, None, None), **content)
            return self._enqueue({"message": msg})

    def push_raw(self, update: Json) -> Json:
        """Queue any update dict as is (update_id assigned if missing)."""
        return self._enqueue(update)

    # ----------------------------------------------------------------- dispatch

    async def _dispatch(self, token: str, method: str, raw: Json, files: dict[str, Upload]) -> tuple[int, Json]:
        """Run one Bot API request; returns (HTTP status, JSON body)."""
        with self._lock:
            self._inflight += 1
        status = 500
        try:
            status, body = await self._answer(token, method, raw, files)
            return status, body
        finally:
            with self._lock:
                self._inflight -= 1
                if method.lower() in self.limited_methods:
                    self._stats["ok" if status == 200 else str(status)] += 1
                self._notify()

    async def _answer(self, token: str, method: str, raw: Json, files: dict[str, Upload]) -> tuple[int, Json]:
        """Decode, record and run one call; ApiError becomes Telegram's error body."""
        try:
            params = decode_params(raw)
        except ApiError as err:
            self._record_call(method, raw, files)
            return err.code, err.payload()
        self._record_call(method, params, files)
        try:
            result = await self._invoke(token, method, params, files)
        except ApiError as err:
            return err.code, err.payload()
        return 200, {"ok": True, "result": result}

    async def _invoke(self, token: str, method: str, params: Json, files: dict[str, Upload]) -> Any:
        """Check the token and method name, then run the method (getUpdates may wait)."""
        key = method.lower()
        with self._lock:
            if token != self.token:
                self._record_unexpected(f"{method} (wrong token)", params)
                raise ApiError(401, "Unauthorized")
            if key not in self._methods and key != "getupdates":
                self._record_unexpected(method, params)
                raise ApiError(404, "Not Found: method not found")
        if key == "getupdates":
            return await self._get_updates(params)
        with self._lock:
            result = self._methods[key](params, files)
            self._notify()
            return copy.deepcopy(result)

    def _check_chat(self, chat_id: int) -> None:
        """403 for blocked chats, 400 + migrate_to_chat_id for upgraded groups."""
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        new_id = self._migrated.get(chat_id)
        if new_id is not None:
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=new_id)

    def _throttle(self, method: str, chat_id: Any) -> None:
        """Apply fail_429_every and the flood limits to one send; count it if accepted."""
        if method.lower() not in self.limited_methods:
            return
        self._send_attempts += 1
        if self.fail_429_every and self._send_attempts % self.fail_429_every == 0:
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        if not self.limits:
            return
        wait = self.limiter.check(chat_id)
        if wait is not None:
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        self.limiter.record(chat_id)


# --------------------------------------------------------------------- standalone process


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.support.botapi", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default="123:ABC")
    parser.add_argument("--state-dir", default=None, help="write url, *.jsonl records and state.json here")
    parser.add_argument("--bot-username", default="test_bot")
    parser.add_argument("--no-limits", action="store_true", help="disable the 30/s and 20/min flood limits")
    parser.add_argument("--fail-429-every", type=int, default=0, metavar="N")
    return parser.parse_args(argv)


async def serve_forever(server: BotApiServer) -> None:
    """Serve until SIGTERM/SIGINT or POST /_control/shutdown; print the base URL first."""
    server._shutdown = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, server._shutdown.set)
    await server.start()
    print(server.base_url, flush=True)
    try:
        await server._shutdown.wait()
    finally:
        await server.aclose()
        server.dump_state()


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m tests.support.botapi`."""
    args = _parse_args(argv)
    server = BotApiServer(
        token=args.token, host=args.host, port=args.port, bot_username=args.bot_username,
        limits=not args.no_limits, fail_429_every=args.fail_429_every, state_dir=args.state_dir,
    )
    asyncio.run(serve_forever(server))
    return 0


if __name__ == "__main__":
    sys.exit(main())
