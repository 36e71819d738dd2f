"""Typed text and files go to the form the person has open (the form state lives in the database)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.context import BotContext
from handlers import log, roster
from services import drafts
from services.errors import NotSignedIn
from services.text import MAX_MESSAGE, clean_text

TEXT_ANSWERS = {"activity": log.on_answer}
FILE_ANSWERS = {"roster": roster.on_document}


async def on_text(update: Update, context: BotContext) -> None:
    """Route a plain message to the open form, or explain what to do."""
    actor = await context.private_actor(update)
    _ = context._
    text = clean_text(update.effective_message.text or "", limit=MAX_MESSAGE)
    kind = await drafts.open_kind(context.session, actor.person_id)
    if kind in TEXT_ANSWERS:
        await TEXT_ANSWERS[kind](update, context, text)
        return
    await update.effective_message.reply_text(_("I did not understand that. Send /help to see the commands."))


async def on_document(update: Update, context: BotContext) -> None:
    """A file goes to the form waiting for one (the roster import)."""
    actor = await context.private_actor(update)
    kind = await drafts.open_kind(context.session, actor.person_id)
    if kind in FILE_ANSWERS:
        await FILE_ANSWERS[kind](update, context)
        return
    await update.effective_message.reply_text(context._("I was not expecting a file. Send /help to see the commands."))


async def on_stranger(update: Update, context: BotContext) -> None:
    """Anything from someone not signed in: point them to /start."""
    raise NotSignedIn()


def handlers() -> list[BaseHandler]:
    private = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
    return [
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text),
        MessageHandler(private & filters.Document.ALL, on_document),
    ]
