"""Test doubles for the network edge and a tiny user simulator (`send`, `press`, `share_contact`, `photo`).

`FakeTelegram` answers the Bot API in-process and fails the test on any method it was not told
about; `Person` drives the real Application through the inbox exactly as Telegram updates would.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from bot import inbox
from bot.transports.local import ApiCall, LocalBotApi

REPLY_METHODS = frozenset({
    "getMe", "sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery", "getFile",
    "sendDocument", "sendPhoto",
})


class UnexpectedCall(AssertionError):
    pass


class FakeTelegram(LocalBotApi):
    """The Bot API as a recording fake: any method outside `allow` is recorded as unexpected and refused."""

    def __init__(self, allow: frozenset[str] = REPLY_METHODS) -> None:
        super().__init__()
        self.allow = set(allow)
        self.unexpected: list[ApiCall] = []

    def on_call(self, method: str, params: dict[str, Any]) -> None:
        if method not in self.allow:
            self.unexpected.append(ApiCall(method, params))
            raise UnexpectedCall(f"unexpected Bot API call {method}({params})")

    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[ApiCall]:
        return [c for c in self.calls if c.method in ("sendMessage", "editMessageText", "sendDocument", "sendPhoto")
                and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)
                and (method is None or c.method == method)]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [c.params.get("text") or c.params.get("caption") or "" for c in self.sent(chat_id)]

    def alerts(self) -> list[str]:
        return [c.params.get("text", "") for c in self.calls if c.method == "answerCallbackQuery" and c.params.get("text")]


class FakeClock:
    """A clock tests move by hand; never sleeps."""

    def __init__(self, start: datetime) -> None:
        self.now = start.astimezone(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)

    def set(self, value: datetime) -> None:
        self.now = value.astimezone(timezone.utc)


_update_ids = itertools.count(1)


def _markup(params: dict[str, Any]) -> dict[str, Any]:
    markup = params.get("reply_markup") or {}
    return json.loads(markup) if isinstance(markup, str) else markup


@dataclass
class Person:
    """Someone chatting with the bot from a phone, in a private chat unless told otherwise."""

    app: Any
    rt: Any
    api: FakeTelegram
    user_id: int
    first_name: str = "测试"
    language_code: str = "zh-hans"
    chat_id: int | None = None
    last_update: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def chat(self) -> int:
        return self.chat_id if self.chat_id is not None else self.user_id

    def _user(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": self.first_name, "language_code": self.language_code}

    def _chat(self) -> dict[str, Any]:
        return {"id": self.chat, "type": "private" if self.chat > 0 else "group", "title": None if self.chat > 0 else "群"}

    async def _feed(self, update: dict[str, Any]) -> list[str]:
        before = len(self.api.calls)
        self.last_update = update
        await inbox.feed(self.app, self.rt, update)
        return [c.params.get("text") or c.params.get("caption") or "" for c in self.api.calls[before:]
                if c.method in ("sendMessage", "editMessageText", "sendDocument", "sendPhoto")
                or (c.method == "answerCallbackQuery" and c.params.get("text"))]

    def _message(self, **extra: Any) -> dict[str, Any]:
        uid = next(_update_ids)
        chat = {k: v for k, v in self._chat().items() if v is not None}
        return {"update_id": uid, "message": {"message_id": uid, "date": int(time.time()), "from": self._user(),
                                              "chat": chat, **extra}}

    async def send(self, text: str) -> list[str]:
        """Type a message (commands get their entity); returns the texts the bot sent back."""
        extra: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return await self._feed(self._message(**extra))

    async def share_contact(self, phone: str, *, own: bool = True) -> list[str]:
        contact = {"phone_number": phone, "first_name": self.first_name}
        if own:
            contact["user_id"] = self.user_id
        else:
            contact["user_id"] = self.user_id + 1
        return await self._feed(self._message(contact=contact))

    async def photo(self, unique: str, *, media_group_id: str | None = None, data: bytes = b"\xff\xd8fakejpeg") -> list[str]:
        file_id = f"photo-{unique}"
        self.api.files[file_id] = data
        extra: dict[str, Any] = {"photo": [{"file_id": file_id, "file_unique_id": unique, "width": 640, "height": 480}]}
        if media_group_id:
            extra["media_group_id"] = media_group_id
        return await self._feed(self._message(**extra))

    async def document(self, name: str, data: bytes, mime: str = "text/csv") -> list[str]:
        file_id = f"doc-{next(_update_ids)}"
        self.api.files[file_id] = data
        return await self._feed(self._message(document={"file_id": file_id, "file_unique_id": file_id, "file_name": name,
                                                        "mime_type": mime, "file_size": len(data)}))

    def buttons(self) -> list[tuple[str, str, int]]:
        """(label, callback data, message id) of the newest inline keyboard the bot showed in this chat."""
        for call in reversed(self.api.calls):
            if int(call.params.get("chat_id", 0) or 0) != self.chat:
                continue
            rows = _markup(call.params).get("inline_keyboard")
            if rows:
                mid = int(call.params.get("message_id") or self._last_message_id(call))
                return [(b["text"], b["callback_data"], mid) for row in rows for b in row]
        return []

    def _last_message_id(self, call: ApiCall) -> int:
        for (chat, mid), msg in reversed(list(self.api.messages.items())):
            if chat == self.chat and msg.get("reply_markup") == _markup(call.params):
                return mid
        return 1

    async def press(self, label: str, *, data: str | None = None) -> list[str]:
        """Press the button whose label contains `label` (or send raw callback `data`)."""
        message_id = 1
        if data is None:
            matches = [b for b in self.buttons() if label in b[0]]
            if not matches:
                raise AssertionError(f"no button {label!r} among {[b[0] for b in self.buttons()]}")
            _label, data, message_id = matches[0]
        uid = next(_update_ids)
        return await self._feed({"update_id": uid, "callback_query": {
            "id": str(uid), "from": self._user(), "chat_instance": "test", "data": data,
            "message": {"message_id": message_id, "date": int(time.time()),
                        "chat": {k: v for k, v in self._chat().items() if v is not None}, "text": "card"}}})

    async def redeliver(self) -> list[str]:
        """Telegram delivers the last update again."""
        assert self.last_update is not None
        return await self._feed(self.last_update)
