"""Typed text, files and photos go to the form the person has open (the form state lives in the database).

Each feature registers its draft kinds here; a photo with no form open joins the activity just logged.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.context import BotContext
from handlers import fund_settle, funding, funds, log, meeting_actions, meetings, minutes, photos, roster
from services import drafts
from services.errors import NotSignedIn
from services.text import MAX_MESSAGE, clean_text

TEXT_ANSWERS = {
    "activity": log.on_answer,
    "meeting": meetings.on_answer, "rsvp": meeting_actions.on_reason, "minutes": minutes.on_text,
    "funding": funding.on_answer, "fund_review": funds.on_review_text, "fund_settle": fund_settle.on_text,
}
FILE_ANSWERS = {
    "roster": roster.on_document,
    "minutes": minutes.on_document,
    "funding": funding.on_document, "fund_settle": funding.on_document,
}
PHOTO_ANSWERS = {"minutes": minutes.on_photo, "funding": funding.on_photo, "fund_settle": funding.on_photo}


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


async def on_photo(update: Update, context: BotContext) -> None:
    """A photo goes to the open form that takes photos, else to the activity confirmed just before."""
    actor = await context.private_actor(update)
    kind = await drafts.open_kind(context.session, actor.person_id)
    await PHOTO_ANSWERS.get(kind, photos.on_photo)(update, context)


async def on_stranger(update: Update, context: BotContext) -> None:
    """Anything from someone not signed in: point them to /start."""
    raise NotSignedIn()


def handlers() -> list[BaseHandler]:
    private = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
    return [
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, on_text),
        MessageHandler(private & filters.Document.ALL, on_document),
        MessageHandler(private & filters.PHOTO, on_photo),
    ]
