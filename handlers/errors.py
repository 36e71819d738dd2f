"""The one error handler: domain errors become a clear reply in the person's language; the rest is logged."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import SCOPE, BotContext
from services.errors import DomainError

log = logging.getLogger(__name__)


def render_error(err: DomainError, _) -> str:  # noqa: ANN001
    """The translated message of a domain error with its parameters (nested msgids translated too)."""
    params = {k: (_(v) if isinstance(v, str) and k in ("reason", "what") else v) for k, v in err.params.items()}
    try:
        return _(err.message).format(**params)
    except (KeyError, IndexError, ValueError):
        return _(err.message)


async def on_error(update: object, context: BotContext) -> None:
    """Roll the update's transaction back and tell the person what went wrong, in their language."""
    scope = SCOPE.get()
    if scope is not None:
        scope.failed = True
    err = context.error
    if not isinstance(update, Update):
        log.error("error outside an update: %r", err)
        return
    context.set_lang(update)
    _ = context._
    if isinstance(err, DomainError):
        text = render_error(err, _)
    else:
        log.error("update %s failed: %s", update.update_id, err, exc_info=err)
        text = _("Sorry, something went wrong and nothing was saved. Please try again.")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text[:200], show_alert=True)
        elif update.effective_chat is not None and update.effective_message is not None:
            await update.effective_message.reply_text(text)
    except TelegramError as exc:
        log.warning("could not report an error to the user: %s", exc)
