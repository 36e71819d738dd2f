"""The console chat: the same Application and handlers, driven from a terminal, with no network.

Text you type becomes a message update; buttons are listed as numbered choices and typing the
number presses one; `/photo FILE` sends a picture. Ctrl-D or /quit leaves.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import re
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot import inbox
from bot.app import build_application
from bot.runtime import Runtime
from bot.transports.local import LocalBotApi
from services import demo
from storage.models import Person

_TAGS = re.compile(r"</?(b|i|u|s|code|pre|a)[^>]*>")


def plain(text: str) -> str:
    """Message HTML as terminal text."""
    return html.unescape(_TAGS.sub("", text))


class ConsoleApi(LocalBotApi):
    """Prints what the bot sends and remembers the buttons it offers."""

    def __init__(self, out=sys.stdout) -> None:  # noqa: ANN001
        super().__init__()
        self.out = out
        self.choices: list[tuple[str, Any, int | None]] = []  # (label, callback data or "contact", message id)

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        result = super().answer(method, params)
        if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument", "sendPhoto"):
            self._show(method, params, result)
        elif method == "answerCallbackQuery" and params.get("text"):
            print(f"  ⚠ {params['text']}", file=self.out)
        return result

    def _show(self, method: str, params: dict[str, Any], result: dict[str, Any]) -> None:
        if "text" in params:
            prefix = "bot (edited)" if method.startswith("edit") else "bot"
            body = plain(params["text"]).replace("\n", "\n     ")
            print(f"\n{prefix}: {body}", file=self.out)
        elif method in ("sendDocument", "sendPhoto"):
            print(f"\nbot: [{method[4:].lower()}] {plain(params.get('caption', ''))}", file=self.out)
        markup = params.get("reply_markup") or {}
        if isinstance(markup, str):
            import json

            markup = json.loads(markup)
        if not markup:
            return
        self.choices = []
        for row in markup.get("inline_keyboard", []):
            for b in row:
                self.choices.append((b["text"], b.get("callback_data"), result["message_id"]))
        for row in markup.get("keyboard", []):
            for b in row:
                label = b["text"] if isinstance(b, dict) else b
                self.choices.append((label, "contact" if isinstance(b, dict) and b.get("request_contact") else label, None))
        if self.choices:
            print("     " + "  ".join(f"[{i}] {label}" for i, (label, _d, _m) in enumerate(self.choices, 1)), file=self.out)


class ConsoleUser:
    """Builds the updates a person would send from their phone."""

    def __init__(self, user_id: int, first_name: str, phone: str | None, lang: str = "zh-hans") -> None:
        self.user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": lang}
        self.phone = phone
        self.ids = itertools.count(int(time.time()) * 10)

    def _msg(self, **extra: Any) -> dict[str, Any]:
        uid = next(self.ids)
        return {"update_id": uid, "message": {"message_id": uid % 1_000_000, "date": int(time.time()), "from": self.user,
                                              "chat": {"id": self.user["id"], "type": "private"}, **extra}}

    def text(self, text: str) -> dict[str, Any]:
        extra: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._msg(**extra)

    def contact(self) -> dict[str, Any]:
        return self._msg(contact={"phone_number": self.phone or "", "first_name": self.user["first_name"],
                                  "user_id": self.user["id"]})

    def photo(self, file_id: str, size: int) -> dict[str, Any]:
        return self._msg(photo=[{"file_id": file_id, "file_unique_id": file_id[-12:], "width": 800, "height": 600,
                                 "file_size": size}])

    def press(self, data: str, message_id: int) -> dict[str, Any]:
        uid = next(self.ids)
        return {"update_id": uid, "callback_query": {
            "id": str(uid), "from": self.user, "chat_instance": "console", "data": data,
            "message": {"message_id": message_id, "date": int(time.time()), "chat": {"id": self.user["id"], "type": "private"},
                        "text": "…"}}}


async def _person_for(rt: Runtime, phone: str) -> Person | None:
    async with rt.db.begin() as session:
        return await session.scalar(select(Person).where(Person.phone == phone))


async def run_console(rt: Runtime, *, phone: str | None, lines=None, out=sys.stdout) -> int:  # noqa: ANN001
    """Chat in the terminal as the roster person with `phone` (the demo liaison by default)."""
    async with rt.db.begin() as session:
        if await demo.load_demo(session, now=rt.clock(), tz=rt.settings.tz):
            print("(loaded the demo county into an empty database)", file=out)
    phone = phone or demo.DEMO_LIAISON
    person = await _person_for(rt, phone)
    api = ConsoleApi(out)
    app = build_application(rt, request=api, rate_limit=False)
    user = ConsoleUser(900_000_000 + (person.id if person else 0), person.name if person else "访客", phone)
    print(f"console chat as {person.name if person else phone} — type /help, a number to press a button, "
          "/photo FILE to send a picture, /quit to leave", file=out)
    reader = lines if lines is not None else _stdin_lines()
    async with app:
        await inbox.feed(app, rt, user.text("/start"))
        if person is not None:
            print("you> [shares the phone number " + phone + "]", file=out)
            await inbox.feed(app, rt, user.contact())
        async for line in reader:
            line = line.strip()
            if line in ("/quit", "/exit"):
                break
            if not line:
                continue
            update = _to_update(line, user, api)
            if update is not None:
                await inbox.feed(app, rt, update)
    print("bye", file=out)
    return 0


def _to_update(line: str, user: ConsoleUser, api: ConsoleApi) -> dict[str, Any] | None:
    if line.isdigit() and 1 <= int(line) <= len(api.choices):
        _label, data, message_id = api.choices[int(line) - 1]
        if data == "contact":
            return user.contact()
        if message_id is None:
            return user.text(str(data))
        return user.press(str(data), message_id)
    if line.startswith("/photo "):
        path = Path(line.split(" ", 1)[1].strip()).expanduser()
        if not path.is_file():
            print(f"  (no such file: {path})")
            return None
        file_id = f"console-{path.stat().st_ino}-{int(time.time())}"
        api.files[file_id] = path.read_bytes()
        return user.photo(file_id, len(api.files[file_id]))
    return user.text(line)


async def _stdin_lines():
    loop = asyncio.get_running_loop()
    while True:
        try:
            line = await loop.run_in_executor(None, input, "you> ")
        except EOFError:
            return
        yield line
