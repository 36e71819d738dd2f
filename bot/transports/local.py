"""An in-process stand-in for the Bot API: answers PTB's requests without a network.

The console uses it to chat in a terminal; tests use it (with an allow-list) as the fake network
edge. It records every call and keeps the messages it "sent" so callbacks can refer to them.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "社区教育助手", "username": "cebot_local_bot"}


def _markup(params: dict[str, Any]) -> dict[str, Any]:
    markup = params.get("reply_markup") or {}
    return json.loads(markup) if isinstance(markup, str) else markup


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]


@dataclass
class LocalBotApi(BaseRequest):
    """Answers Bot API methods locally; subclasses hook `on_call` to print or to police calls."""

    calls: list[ApiCall] = field(default_factory=list)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def on_call(self, method: str, params: dict[str, Any]) -> None:
        """Hook: see every call before it is answered (raise to refuse it)."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **_: Any) -> tuple[int, bytes]:
        if "/file/bot" in url:
            file_path = url.split("/file/bot", 1)[1].split("/", 1)[1]
            return 200, self.files.get(file_path, b"")
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        self.calls.append(ApiCall(api_method, params))
        self.on_call(api_method, params)
        result = self.answer(api_method, params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        msg = {"message_id": next(self._ids), "date": int(time.time()), "from": BOT_USER,
               "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}, **extra}
        markup = _markup(params)
        if "inline_keyboard" in markup:  # only inline keyboards belong to the message Telegram returns
            msg["reply_markup"] = markup
        self.messages[(chat_id, msg["message_id"])] = msg
        return msg

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        """The `result` Telegram would give for this call."""
        if method == "getMe":
            return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}
        if method == "sendMessage":
            return self._message(params, text=params.get("text", ""))
        if method in ("sendDocument", "sendPhoto"):
            return self._message(params, caption=params.get("caption", ""))
        if method in ("editMessageText", "editMessageReplyMarkup"):
            key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
            msg = dict(self.messages.get(key) or self._message(params))
            if "text" in params:
                msg["text"] = params["text"]
            if "inline_keyboard" in _markup(params):
                msg["reply_markup"] = _markup(params)
            else:
                msg.pop("reply_markup", None)
            self.messages[key] = msg
            return msg
        if method == "getFile":
            file_id = params["file_id"]
            return {"file_id": file_id, "file_unique_id": file_id[-12:], "file_size": len(self.files.get(file_id, b"")),
                    "file_path": file_id}
        return True
