"""/export: the year's activities, funding and meetings, with a summary by town, as one Excel file."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.context import BotContext
from services.year_export import year_workbook


async def cmd_export(update: Update, context: BotContext) -> None:
    """Send this year's workbook so far as a document (coordinators only, in a private chat)."""
    actor = await context.private_actor(update)
    name, data = await year_workbook(context.session, actor, now=context.now(), tz=context.tz)
    caption = context._("This year's data so far: a summary by town, then one sheet per table.")
    await update.effective_message.reply_document(InputFile(data, filename=name), caption=caption)


def handlers() -> list[BaseHandler]:
    return [CommandHandler("export", cmd_export, filters=filters.UpdateType.MESSAGE)]
