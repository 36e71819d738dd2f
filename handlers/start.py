"""Sign-in (/start and the shared contact), /help and /cancel."""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from handlers.common import esc
from handlers.labels import roles_text
from services import drafts, people
from services.errors import NotSignedIn, NotYourContact, PrivateChatOnly
from services.people import Actor

MSG = filters.UpdateType.MESSAGE


def _greeting(actor: Actor, _) -> str:  # noqa: ANN001
    return _("Hello, {name}! You are signed in as {roles} of {unit}.").format(
        name=esc(actor.name), roles=esc(roles_text(actor.roles, _)), unit=esc(actor.unit_name)
    ) + "\n" + _("Send /help to see what you can do.")


async def cmd_start(update: Update, context: BotContext) -> None:
    """Greet a signed-in person, or ask for their phone number with a contact button."""
    context.set_lang(update)
    _ = context._
    if update.effective_chat.type != ChatType.PRIVATE:
        raise PrivateChatOnly()
    try:
        actor = await context.actor(update)
    except NotSignedIn:
        button = KeyboardButton(_("📱 Share my phone number"), request_contact=True)
        await update.effective_message.reply_text(
            _("Welcome! To sign in, share your phone number with the button below; it is matched to the roster."),
            reply_markup=ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True),
        )
        return
    await update.effective_message.reply_text(_greeting(actor, _))


async def on_contact(update: Update, context: BotContext) -> None:
    """Bind the account when the sender shares their own contact."""
    context.set_lang(update)
    msg = update.effective_message
    if update.effective_chat.type != ChatType.PRIVATE:
        raise PrivateChatOnly()
    if msg.contact.user_id != update.effective_user.id:
        raise NotYourContact()
    actor = await people.bind_by_phone(
        context.session, now=context.now(), today=context.today(), tg_user_id=update.effective_user.id,
        phone=msg.contact.phone_number, language_code=update.effective_user.language_code,
    )
    await msg.reply_text(_greeting(actor, context._), reply_markup=ReplyKeyboardRemove())


def help_text(actor: Actor | None, _) -> str:  # noqa: ANN001
    """What this person may do, command by command."""
    lines = [_("<b>What I can do for you</b>")]
    if actor is None:
        return "\n".join(lines + [_("/start — sign in by sharing your phone number")])
    entries = [
        (("liaison", "school_staff", "coordinator"), _("/log — log an activity (e.g. /log 昨天 老年健康讲座 45人 2小时)")),
        (None, _("/my — your recent entries, to edit or delete")),
        (("liaison", "school_staff"), _("/fund — request funding for a project")),
        (None, _("/funds — funding requests: yours, or those waiting for your review")),
        (None, _("/budget — allocation, approved, disbursed and remaining")),
        (("school_staff", "coordinator"), _("/meeting — schedule a meeting")),
        (None, _("/meetings — upcoming meetings and RSVP")),
        (("school_staff", "coordinator", "leader"), _("/stats — figures for your area")),
        (("coordinator", "leader"), _("/digest — the digest of the last complete week")),
        (("coordinator",), _("/export — the year's data as an Excel file")),
        (("admin",), _("/roster — import the roster from a spreadsheet")),
        (("admin",), _("/body — bodies that must meet: yearly minimum and members")),
        (("admin",), _("/setstandard — the budget per resident (e.g. /setstandard 1.5), with its history")),
        (("admin",), _("/allocate — record an extra allocation (e.g. /allocate T1 5000 县财政追加)")),
        (("coordinator", "admin"), _("/setchat digest — in a group: send the weekly digest there")),
        (None, _("/cancel — leave the current form without saving")),
    ]
    lines += [text for roles, text in entries if roles is None or actor.has(*roles)]
    return "\n".join(lines)


async def cmd_help(update: Update, context: BotContext) -> None:
    """List what this person may do."""
    try:
        actor = await context.actor(update)
    except NotSignedIn:
        actor = None
    await update.effective_message.reply_text(help_text(actor, context._))


async def cmd_cancel(update: Update, context: BotContext) -> None:
    """Leave the open form; nothing half-filled is saved."""
    actor = await context.actor(update)
    _ = context._
    dropped = await drafts.drop_draft(context.session, actor.person_id)
    text = _("Cancelled. Nothing was saved.") if dropped else _("There is no open form to cancel.")
    await update.effective_message.reply_text(text, reply_markup=ReplyKeyboardRemove())


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("start", cmd_start, filters=MSG),
        CommandHandler("help", cmd_help, filters=MSG),
        CommandHandler("cancel", cmd_cancel, filters=MSG),
        MessageHandler(MSG & filters.CONTACT, on_contact),
    ]
