"""Minutes of a meeting from its organiser: text, photos or documents, after pressing 📝 (asked when it ends)."""

from __future__ import annotations

from pathlib import Path

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from handlers.common import answer, cb, keep_file, esc, keyboard, parse_cb
from handlers.meeting_actions import record_id
from services import meeting_minutes
from services.errors import NothingToConfirm, StaleButton
from services.meeting_errors import NotMinutesFile
from services.meeting_minutes import MinutesState
from services.meeting_notices import MINUTES_P as P

MAX_FILE = 20 * 1024 * 1024


def _summary(state: MinutesState, _) -> str:  # noqa: ANN001
    kept = _("✅ text") if state.has_text else _("no text")
    return _("📝 Minutes of #{id} «{title}»: {kept}, {n} files.").format(id=state.meeting_id, title=esc(state.title),
                                                                        kept=kept, n=state.files)


def _done(meeting_id: int, _):  # noqa: ANN001
    return keyboard([[(_("✔️ Done"), cb(P, "done", meeting_id))]])


async def _kept(update: Update, context: BotContext, state: MinutesState) -> None:
    _ = context._
    await update.effective_message.reply_text(_summary(state, _) + "\n" + _("Send more, or press ✔️ Done."),
                                              reply_markup=_done(state.meeting_id, _))


async def cb_minutes(update: Update, context: BotContext) -> None:
    """📝 opens the minutes form for a meeting; ✔️ closes it."""
    actor = await context.private_actor(update)
    _ = context._
    verb, args = parse_cb(update.callback_query.data, P)
    meeting_id = record_id(args, 0)
    if verb == "min":
        state = await meeting_minutes.open_minutes(context.session, actor, meeting_id, now=context.now())
        text = _("Send the minutes of «{title}» now: text, photos or a document. Press ✔️ Done when finished.")
        await answer(update, text.format(title=esc(state.title)), _done(meeting_id, _))
    elif verb == "done":
        await answer(update, _summary(await meeting_minutes.close_minutes(context.session, actor), _), edit=True)
    else:
        raise StaleButton()


async def on_text(update: Update, context: BotContext, text: str) -> None:
    """Typed minutes for the meeting whose minutes form is open (as written, line breaks kept)."""
    actor = await context.private_actor(update)
    raw = update.effective_message.text or text
    await _kept(update, context, await meeting_minutes.add_minutes_text(context.session, actor, raw, now=context.now()))


async def on_document(update: Update, context: BotContext) -> None:
    """A document sent as the minutes (PDF, Word, a scan …)."""
    actor = await context.private_actor(update)
    doc = update.effective_message.document
    meeting_id = await meeting_minutes.minutes_meeting(context.session, actor)
    if meeting_id is None or (doc.file_size or 0) > MAX_FILE:
        raise NotMinutesFile()
    path = await keep_file(doc, _folder(context, meeting_id), doc.file_unique_id + Path(doc.file_name or "").suffix[:10])
    await _kept(update, context, await meeting_minutes.add_minutes_file(
        context.session, actor, kind="document", file_id=doc.file_id, unique_id=doc.file_unique_id, path=path,
        now=context.now()))


def _folder(context: BotContext, meeting_id: int) -> Path:
    return context.rt.data_dir / "minutes" / str(meeting_id)


async def on_photo(update: Update, context: BotContext) -> None:
    """A photo for the open minutes form (handlers/forms routes it here)."""
    actor = await context.private_actor(update)
    meeting_id = await meeting_minutes.minutes_meeting(context.session, actor)
    if meeting_id is None:
        raise NothingToConfirm()
    photo = update.effective_message.photo[-1]
    path = await keep_file(photo, _folder(context, meeting_id), f"{photo.file_unique_id}.jpg")
    await _kept(update, context, await meeting_minutes.add_minutes_file(
        context.session, actor, kind="photo", file_id=photo.file_id, unique_id=photo.file_unique_id, path=path,
        now=context.now()))


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(cb_minutes, pattern=rf"^{P}:"),
    ]
