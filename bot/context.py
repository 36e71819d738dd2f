"""The per-update context: the open transaction, the clock, the person talking and their language.

`bot.inbox` opens one transaction per update and publishes it through `SCOPE`; handlers reach it
as `context.session`. They never commit: the inbox commits, or rolls back when a handler failed.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackContext, ExtBot

from bot.runtime import Runtime
from services import people
from services.errors import NotSignedIn, PrivateChatOnly
from services.i18n import Translate, lang_for, translator
from services.people import Actor


@dataclass
class UpdateScope:
    """State of the update being processed: its transaction and whether a handler failed."""

    session: AsyncSession
    failed: bool = False
    actor: Actor | None = None
    extra: dict = field(default_factory=dict)


SCOPE: ContextVar[UpdateScope | None] = ContextVar("update_scope", default=None)


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """CallbackContext with the bot's collaborators by name."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._lang: str | None = None

    @property
    def rt(self) -> Runtime:
        return self.application.bot_data["rt"]

    @property
    def scope(self) -> UpdateScope:
        scope = SCOPE.get()
        if scope is None:
            raise RuntimeError("no update scope: updates must be processed through bot.inbox")
        return scope

    @property
    def session(self) -> AsyncSession:
        return self.scope.session

    @property
    def tz(self) -> ZoneInfo:
        return self.rt.settings.tz

    def now(self) -> datetime:
        return self.rt.clock()

    def today(self) -> date:
        return self.now().astimezone(self.tz).date()

    def set_lang(self, update: object) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        self._lang = lang_for(user.language_code if user else None)

    @property
    def lang(self) -> str:
        return self._lang or "zh_CN"

    @property
    def _(self) -> Translate:
        return translator(self.lang)

    async def actor(self, update: Update) -> Actor:
        """The signed-in roster person sending this update; NotSignedIn otherwise."""
        self.set_lang(update)
        if self.scope.actor is None:
            user = update.effective_user
            if user is None or user.id in people.SERVICE_USER_IDS or user.is_bot:
                raise NotSignedIn()
            actor = await people.actor_for_user(self.session, user.id, self.today(), lang=self.lang)
            if actor is None:
                raise NotSignedIn()
            self.scope.actor = actor
        return self.scope.actor

    async def private_actor(self, update: Update) -> Actor:
        """The actor, for commands that change data: only in a private chat."""
        self.set_lang(update)
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            raise PrivateChatOnly()
        return await self.actor(update)
