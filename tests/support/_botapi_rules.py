"""Pure rules of the fake Bot API: errors, parameter decoding, HTML parsing, flood limits."""

from __future__ import annotations

import json
import math
import re
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

# Parameters whose form-encoded value is a JSON document (PTB JSON-dumps every non-str value).
JSON_FIELDS = frozenset({
    "reply_markup", "allowed_updates", "media", "commands", "menu_button", "entities",
    "caption_entities", "link_preview_options", "reply_parameters", "scope", "message_ids",
})
INT_FIELDS = frozenset({
    "chat_id", "message_id", "offset", "limit", "timeout", "reply_to_message_id",
    "message_thread_id", "cache_time", "max_connections", "from_chat_id", "user_id",
})
BOOL_FIELDS = frozenset({
    "disable_notification", "protect_content", "drop_pending_updates", "show_alert",
    "allow_sending_without_reply", "has_spoiler", "disable_web_page_preview",
    "disable_content_type_detection", "allow_paid_broadcast", "show_caption_above_media",
})
_INT_TEXT = re.compile(r"-?\d+")
_BUTTON_ACTIONS = (
    "callback_data", "url", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "callback_game", "pay", "web_app", "copy_text",
)
_HTML_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
})
_TAG = re.compile(r"<(/?)([a-zA-Z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class ApiError(Exception):
    """A Bot API error answer: error_code, description and optional parameters."""

    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram answers with."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


def bad_request(text: str) -> ApiError:
    """A 400 'Bad Request: ...' error."""
    return ApiError(400, f"Bad Request: {text}")


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart request."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


def _decode_value(name: str, value: Any) -> Any:
    """Turn one form-encoded string into the value Telegram would see."""
    if not isinstance(value, str):
        return value
    if name in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            what = "reply keyboard markup" if name == "reply_markup" else name
            raise bad_request(f"can't parse {what} JSON object") from None
    if name in INT_FIELDS and _INT_TEXT.fullmatch(value.strip()):
        return int(value)
    if name in BOOL_FIELDS and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    return value


def decode_params(raw: dict[str, Any]) -> dict[str, Any]:
    """Decode request parameters from form, multipart or JSON into typed values."""
    return {name: _decode_value(name, value) for name, value in raw.items()}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts in."""
    return len(text.encode("utf-16-le")) // 2


def _entity_text(match: re.Match[str]) -> str:
    """Decode one HTML character reference Telegram understands."""
    name = match.group(1)
    if name.startswith(("#x", "#X")):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _NAMED[name]


def _parse_error(text: str) -> ApiError:
    return bad_request(f"can't parse entities: {text}")


def _check_start_tag(name: str, attrs: str, offset: int) -> None:
    if name not in _HTML_TAGS:
        raise _parse_error(f'Unsupported start tag "{name}" at byte offset {offset}')
    if name == "span" and "tg-spoiler" not in attrs:
        raise _parse_error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')


def _check_end_tag(name: str, stack: list[str], offset: int) -> None:
    if not stack:
        raise _parse_error(f"Unexpected end tag at byte offset {offset}")
    if name != stack[-1]:
        raise _parse_error(
            f'Unmatched end tag at byte offset {offset}, expected "</{stack[-1]}>", found "</{name}>"'
        )
    stack.pop()


def render_html(text: str) -> str:
    """Validate Telegram-flavoured HTML and return the plain text a user sees."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "&":
            m = _ENTITY.match(text, i)
            out.append(_entity_text(m) if m else "&")
            i = m.end() if m else i + 1
            continue
        if ch != "<":
            out.append(ch)
            i += 1
            continue
        offset = len(text[:i].encode())
        m = _TAG.match(text, i)
        if m is None:
            raise _parse_error(f"Unclosed start tag at byte offset {offset}")
        closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
        if closing:
            _check_end_tag(name, stack, offset)
        else:
            _check_start_tag(name, attrs, offset)
            stack.append(name)
        i = m.end()
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def render_text(text: str, parse_mode: str | None) -> str:
    """The text Telegram stores: markup parsed (HTML only) and outer whitespace trimmed."""
    if parse_mode and parse_mode.upper() == "HTML":
        text = render_html(text)
    return text.strip()


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Field \"text\" must be of type String")
    if not any(key in button for key in _BUTTON_ACTIONS):
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    data = button.get("callback_data")
    if data is not None and not 1 <= len(str(data).encode()) <= 64:
        raise bad_request("BUTTON_DATA_INVALID")


def check_reply_markup(markup: Any) -> None:
    """Reject markup Telegram would reject (shape, text-only buttons, callback_data > 64 bytes)."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('can\'t parse inline keyboard: Field "inline_keyboard" must be an Array of Arrays')
    for row in rows:
        for button in row:
            _check_button(button)


def inline_markup(markup: Any) -> dict[str, Any] | None:
    """The part of reply_markup Telegram echoes back in a Message (inline keyboards only)."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


def _retry_after(seconds: float) -> int:
    return max(1, math.ceil(seconds))


class RateLimiter:
    """Telegram-like flood limits: N sends per sliding second overall, M per minute per group."""

    def __init__(
        self,
        clock: Callable[[], float],
        per_second: int = 30,
        group_per_minute: int = 20,
    ) -> None:
        self.clock = clock
        self.per_second = per_second
        self.group_per_minute = group_per_minute
        self._recent: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}

    @staticmethod
    def _prune(window: deque[float], now: float, span: float) -> None:
        while window and window[0] <= now - span:
            window.popleft()

    def check(self, chat_id: Any) -> int | None:
        """Seconds to wait (integer >= 1) if a send into chat_id now breaks a limit, else None."""
        now = self.clock()
        self._prune(self._recent, now, 1.0)
        if len(self._recent) >= self.per_second:
            return _retry_after(self._recent[0] + 1.0 - now)
        group = self._groups.get(chat_id) if is_group(chat_id) else None
        if group is not None:
            self._prune(group, now, 60.0)
            if len(group) >= self.group_per_minute:
                return _retry_after(group[0] + 60.0 - now)
        return None

    def record(self, chat_id: Any) -> None:
        """Count one accepted send into chat_id."""
        now = self.clock()
        self._recent.append(now)
        if is_group(chat_id):
            self._groups.setdefault(chat_id, deque()).append(now)

    def reset(self) -> None:
        """Forget every counted send."""
        self._recent.clear()
        self._groups.clear()


def is_group(chat_id: Any) -> bool:
    """Group and supergroup chat ids are negative integers."""
    return isinstance(chat_id, int) and chat_id < 0


def chat_type(chat_id: int) -> str:
    """Telegram's chat type for an id: private (>0), supergroup (-100...), group (other <0)."""
    if chat_id > 0:
        return "private"
    return "supergroup" if chat_id <= -1_000_000_000_000 else "group"


def update_type(update: dict[str, Any]) -> str:
    """The kind of an update: the one key besides update_id."""
    return next((key for key in update if key != "update_id"), "")


DEFAULT_ALLOWED = frozenset({
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages", "inline_query",
    "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query",
    "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_join_request",
    "chat_boost", "removed_chat_boost",
})


def allowed_set(allowed: Any) -> frozenset[str]:
    """allowed_updates as a set; an empty list means Telegram's default (no chat_member, reactions)."""
    if not allowed:
        return DEFAULT_ALLOWED
    return frozenset(str(kind) for kind in allowed)
