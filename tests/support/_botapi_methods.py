"""Bot API method implementations of the loopback server: a mixin of BotApiServer.

Each `_api_<Method>(params, files)` runs with the server's lock held and returns the `result`
or raises ApiError; the server dispatches to them by lower-cased method name.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
from pathlib import Path
from typing import Any

from tests.support._botapi_rules import (
    ApiError,
    Upload,
    allowed_set,
    bad_request,
    check_reply_markup,
    inline_markup,
    render_text,
    update_type,
    utf16_len,
)

Json = dict[str, Any]
MAX_DOWNLOAD = 20 * 1024 * 1024
CONFLICT_POLL = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


class BotApiMethods:
    """The implemented Bot API methods; state, records and throttling come from BotApiServer."""

    # ----------------------------------------------------------------- parameter helpers

    def _chat_id(self, p: Json) -> int:
        """The target chat_id as int, after the blocked/migrated checks."""
        value = p.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad_request("chat not found")
        self._check_chat(value)
        return value

    @staticmethod
    def _message_id(p: Json) -> int:
        """The message_id parameter, required."""
        value = p.get("message_id")
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad_request("message identifier is not specified")
        return value

    @staticmethod
    def _text(p: Json) -> str:
        """The message text as Telegram stores it (markup parsed, trimmed, <= 4096)."""
        raw = p.get("text")
        text = render_text(str(raw), p.get("parse_mode")) if raw is not None else ""
        if not text:
            raise bad_request("message text is empty")
        if utf16_len(text) > 4096:
            raise bad_request("message is too long")
        return text

    @staticmethod
    def _caption(p: Json) -> Json:
        """{'caption': text} as Telegram stores it, or {} without one."""
        raw = p.get("caption")
        caption = render_text(str(raw), p.get("parse_mode")) if raw is not None else ""
        if utf16_len(caption) > 1024:
            raise bad_request("message caption is too long")
        return {"caption": caption} if caption else {}

    @staticmethod
    def _markup(p: Json) -> Any:
        """The validated reply_markup parameter."""
        markup = p.get("reply_markup")
        check_reply_markup(markup)
        return markup

    def _store_upload(self, upload: Upload, kind: str) -> str:
        """Register an uploaded file under a fresh file_id."""
        file_id = f"{kind}-{next(self._seq)}"
        suffix = Path(upload.filename or "").suffix
        self.add_file(file_id, upload.content, file_path=f"{kind}s/file_{next(self._seq)}{suffix}")
        return file_id

    def _file_ref(self, value: Any, files: dict[str, Upload], kind: str) -> str:
        """Resolve attach://name, a known file_id or an HTTP URL to a file_id."""
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://"):])
            if upload is None:
                raise bad_request(f"file {value!r} must be uploaded in the request")
            return self._store_upload(upload, kind)
        if isinstance(value, str) and value in self._files:
            return value
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            file_id = f"{kind}-{next(self._seq)}"
            self.add_file(file_id, b"", file_path=f"{kind}s/file_{next(self._seq)}")
            return file_id
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _input_file(self, p: Json, files: dict[str, Upload], field: str) -> str:
        """file_id for a photo/document parameter: direct upload, attach://, file_id or URL."""
        if field in files:
            return self._store_upload(files[field], field)
        if not p.get(field):
            raise bad_request(f"there is no {field} in the request")
        return self._file_ref(p[field], files, field)

    def _document(self, file_id: str, filename: str | None) -> Json:
        """A Document object for a registered file."""
        path, content = self._files[file_id]
        return {"file_id": file_id, "file_unique_id": f"u{file_id}"[:32],
                "file_name": filename or Path(path).name, "mime_type": "application/octet-stream",
                "file_size": len(content)}

    def _bot_message(self, chat_id: int, markup: Any, **content: Any) -> Json:
        """Store a new message from the bot (inline keyboards are echoed back)."""
        msg = self._new_message(chat_id, self._bot_user(), **content)
        if inline_markup(markup):
            msg["reply_markup"] = markup
        return msg

    def _own_message(self, p: Json) -> Json:
        """The bot's message addressed by chat_id + message_id, for edits."""
        chat_id, message_id = self._chat_id(p), self._message_id(p)
        msg = self._messages.get((chat_id, message_id))
        if msg is None:
            raise bad_request("message to edit not found")
        if msg["from"]["id"] != self.bot_id:
            raise bad_request("message can't be edited")
        return msg

    # ----------------------------------------------------------------- Bot API methods

    def _api_getMe(self, p: Json, files: dict[str, Upload]) -> Json:
        """The bot's User with getMe's extra fields."""
        return {**self._bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}

    async def _get_updates(self, p: Json) -> list[Json]:
        """Long polling with offset/limit/timeout/allowed_updates; a newer poll ends older ones (409)."""
        limit = p.get("limit", 100)
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        timeout = p.get("timeout", 0)
        timeout = min(max(float(timeout), 0.0), 50.0) if isinstance(timeout, (int, float)) else 0.0
        with self._lock:
            if self._webhook.get("url"):
                raise ApiError(409, CONFLICT_WEBHOOK)
            if "allowed_updates" in p:
                self._allowed_raw = p["allowed_updates"]
                self._allowed = allowed_set(p["allowed_updates"])
            self._confirm(p.get("offset"))
            self._poll_gen += 1
            generation = self._poll_gen
            self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            with self._lock:
                if generation != self._poll_gen:
                    raise ApiError(409, CONFLICT_POLL)
                batch = self._deliverable(limit)
                remaining = deadline - loop.time()
                if batch or self._closing or remaining <= 0:
                    return batch
                fut = self._add_waiter(loop)
            await self._sleep_on(fut, remaining)

    def _confirm(self, offset: Any) -> None:
        """Forget updates below offset; a negative offset keeps only the last -offset ones."""
        if not isinstance(offset, int) or isinstance(offset, bool):
            return
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def _deliverable(self, limit: int) -> list[Json]:
        """The first `limit` queued updates of allowed types (others are dropped, as Telegram does)."""
        self._updates = [u for u in self._updates if update_type(u) in self._allowed]
        return copy.deepcopy(self._updates[:limit])

    def _api_setWebhook(self, p: Json, files: dict[str, Upload]) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        if "allowed_updates" in p:
            self._allowed_raw = p["allowed_updates"]
            self._allowed = allowed_set(p["allowed_updates"])
        url = str(p.get("url") or "")
        self._webhook = {"url": url, "max_connections": p.get("max_connections", 40)} if url else {}
        return True

    def _api_deleteWebhook(self, p: Json, files: dict[str, Upload]) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {}
        return True

    def _api_getWebhookInfo(self, p: Json, files: dict[str, Upload]) -> Json:
        info: Json = {"url": self._webhook.get("url", ""), "has_custom_certificate": False,
                      "pending_update_count": len(self._updates)}
        if self._webhook:
            info.update(max_connections=self._webhook["max_connections"], ip_address="127.0.0.1")
        if self._allowed_raw:
            info["allowed_updates"] = list(self._allowed_raw)
        return info

    @staticmethod
    def _commands_key(p: Json) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(p.get("language_code") or "")

    def _api_setMyCommands(self, p: Json, files: dict[str, Upload]) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(p)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _api_getMyCommands(self, p: Json, files: dict[str, Upload]) -> list[Json]:
        return self._commands.get(self._commands_key(p), [])

    def _api_deleteMyCommands(self, p: Json, files: dict[str, Upload]) -> bool:
        self._commands.pop(self._commands_key(p), None)
        return True

    def _api_setChatMenuButton(self, p: Json, files: dict[str, Upload]) -> bool:
        chat_id = p.get("chat_id")
        self._menu_buttons[chat_id if isinstance(chat_id, int) else None] = p.get("menu_button") or {"type": "default"}
        return True

    def _api_getChatMenuButton(self, p: Json, files: dict[str, Upload]) -> Json:
        chat_id = p.get("chat_id")
        buttons = self._menu_buttons
        return buttons.get(chat_id if isinstance(chat_id, int) else None) or buttons.get(None) or {"type": "default"}

    def _api_sendMessage(self, p: Json, files: dict[str, Upload]) -> Json:
        chat_id = self._chat_id(p)
        text, markup = self._text(p), self._markup(p)
        self._throttle("sendMessage", chat_id)
        content: Json = {"text": text}
        reply_to = p.get("reply_to_message_id") or (p.get("reply_parameters") or {}).get("message_id")
        if (chat_id, reply_to) in self._messages:
            content["reply_to_message"] = copy.deepcopy(self._messages[(chat_id, reply_to)])
        msg = self._bot_message(chat_id, markup, **content)
        self._record_sent("sendMessage", msg, p)
        return msg

    def _api_sendPhoto(self, p: Json, files: dict[str, Upload]) -> Json:
        chat_id = self._chat_id(p)
        caption, markup = self._caption(p), self._markup(p)
        file_id = self._input_file(p, files, "photo")
        self._throttle("sendPhoto", chat_id)
        msg = self._bot_message(chat_id, markup, photo=self._photo_sizes(file_id), **caption)
        self._record_sent("sendPhoto", msg, p, file_id=file_id)
        return msg

    def _api_sendDocument(self, p: Json, files: dict[str, Upload]) -> Json:
        chat_id = self._chat_id(p)
        caption, markup = self._caption(p), self._markup(p)
        file_id = self._input_file(p, files, "document")
        self._throttle("sendDocument", chat_id)
        filename = files["document"].filename if "document" in files else None
        msg = self._bot_message(chat_id, markup, document=self._document(file_id, filename), **caption)
        self._record_sent("sendDocument", msg, p, file_id=file_id)
        return msg

    def _media_content(self, item: Any, files: dict[str, Upload]) -> tuple[Json, str]:
        """Message content for one InputMedia item, and its file_id."""
        if not isinstance(item, dict) or item.get("type") not in ("photo", "document", "video", "audio"):
            raise bad_request("can't parse InputMedia: unsupported media type")
        kind = item["type"]
        file_id = self._file_ref(item.get("media"), files, kind)
        content = self._caption(item)
        if kind == "photo":
            content["photo"] = self._photo_sizes(file_id)
        else:
            content[kind] = self._document(file_id, None)
        return content, file_id

    def _api_sendMediaGroup(self, p: Json, files: dict[str, Upload]) -> list[Json]:
        chat_id = self._chat_id(p)
        media = p.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media items: must be between 2 and 10")
        contents = [self._media_content(item, files) for item in media]
        self._throttle("sendMediaGroup", chat_id)
        group_id = str(next(self._seq) + 10**12)
        messages = []
        for (content, file_id), item in zip(contents, media):
            msg = self._bot_message(chat_id, None, media_group_id=group_id, **content)
            self._record_sent("sendMediaGroup", msg, {**item, "chat_id": chat_id}, file_id=file_id)
            messages.append(msg)
        return messages

    def _api_editMessageText(self, p: Json, files: dict[str, Upload]) -> Json | bool:
        text, markup = self._text(p), self._markup(p)
        if p.get("inline_message_id"):
            self._throttle("editMessageText", None)
            self._record_sent("editMessageText", {}, p, inline_message_id=p["inline_message_id"], text=text)
            return True
        msg = self._own_message(p)
        if "text" not in msg:
            raise bad_request("there is no text in the message to edit")
        new_markup = inline_markup(markup)
        if msg["text"] == text and msg.get("reply_markup") == new_markup:
            raise bad_request(NOT_MODIFIED)
        self._throttle("editMessageText", msg["chat"]["id"])
        msg["text"] = text
        self._set_markup(msg, new_markup)
        self._record_sent("editMessageText", msg, p)
        return msg

    def _set_markup(self, msg: Json, markup: Json | None) -> None:
        """Replace a message's inline keyboard (None removes it) and stamp edit_date."""
        if markup:
            msg["reply_markup"] = markup
        else:
            msg.pop("reply_markup", None)
        msg["edit_date"] = int(self.wall_clock())

    def _api_editMessageReplyMarkup(self, p: Json, files: dict[str, Upload]) -> Json | bool:
        markup = inline_markup(self._markup(p))
        if p.get("inline_message_id"):
            self._throttle("editMessageReplyMarkup", None)
            return True
        msg = self._own_message(p)
        if msg.get("reply_markup") == markup:
            raise bad_request(NOT_MODIFIED)
        self._throttle("editMessageReplyMarkup", msg["chat"]["id"])
        self._set_markup(msg, markup)
        return msg

    def _api_deleteMessage(self, p: Json, files: dict[str, Upload]) -> bool:
        key = (self._chat_id(p), self._message_id(p))
        if self._messages.pop(key, None) is None:
            raise bad_request("message to delete not found")
        return True

    def _api_answerCallbackQuery(self, p: Json, files: dict[str, Upload]) -> bool:
        query_id = str(p.get("callback_query_id") or "")
        if query_id not in self._open_callbacks:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        self._open_callbacks.discard(query_id)
        return True

    def _api_sendChatAction(self, p: Json, files: dict[str, Upload]) -> bool:
        chat_id = self._chat_id(p)
        if not p.get("action"):
            raise bad_request("wrong parameter action in request")
        self._throttle("sendChatAction", chat_id)
        return True

    def _api_getFile(self, p: Json, files: dict[str, Upload]) -> Json:
        file_id = str(p.get("file_id") or "")
        entry = self._files.get(file_id)
        if entry is None:
            raise bad_request("invalid file_id")
        path, content = entry
        if len(content) > MAX_DOWNLOAD:
            raise bad_request("file is too big")
        return {"file_id": file_id, "file_unique_id": f"u{file_id}"[:32], "file_size": len(content), "file_path": path}
