"""/my: a person's recent entries, each with edit / delete while allowed, and undo after a delete."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from handlers import log as log_handlers
from handlers.common import (
    answer,
    answer_query,
    cb,
    esc,
    fmt_day,
    int_arg,
    keyboard,
    parse_cb,
)
from services import activities
from services.errors import StaleButton

P = "m1"


async def cmd_my(update: Update, context: BotContext) -> None:
    """List the person's latest activities with their buttons (`/my 123` opens one entry)."""
    actor = await context.actor(update)
    _ = context._
    wanted = (context.args or [""])[0].lstrip("#")
    one = int(wanted) if wanted.isdigit() else None
    rows = await activities.list_mine(context.session, actor, now=context.now(), activity_id=one)
    if not rows:
        text = _("No entry #{id} that you may open.").format(id=one) if one else _("You have no entries yet. Log one with /log.")
        await update.effective_message.reply_text(text)
        return
    lines = [_("<b>Your recent activities</b>")]
    buttons = []
    for r in rows:
        line = _("#{id} {day} {title} · {n} people").format(id=r.id, day=fmt_day(r.day, context.lang), title=esc(r.title),
                                                           n=r.participants)
        lines.append(line + (_(" · 📷 {n}").format(n=r.photos) if r.photos else ""))
        if r.editable:
            buttons.append([(_("✏️ #{id}").format(id=r.id), cb(P, "ed", r.id)), (_("🗑 #{id}").format(id=r.id), cb(P, "del", r.id))])
    if len(buttons) < len(rows):
        lines.append(_("Older entries can be changed by a coordinator (/my and the entry number)."))
    await update.effective_message.reply_text("\n".join(lines), reply_markup=keyboard(buttons) if buttons else None)


async def cb_my(update: Update, context: BotContext) -> None:
    """Edit, delete or restore one of the person's entries (rights re-checked on every press)."""
    actor = await context.private_actor(update)
    _ = context._
    verb, args = parse_cb(update.callback_query.data, P)
    activity_id = int_arg(args, 0)
    now, tz, s = context.now(), context.tz, context.session
    if verb == "ed":
        form = await activities.edit_activity(s, actor, activity_id, now=now, tz=tz)
        await answer_query(update.callback_query)
        await log_handlers.show(update, context, form)
    elif verb == "del":
        done = await activities.delete_activity(s, actor, activity_id, now=now, tz=tz)
        await answer(update, _("🗑 Activity #{id} «{title}» deleted.").format(id=done.id, title=esc(done.title)),
                     keyboard([[(_("↩️ Undo"), cb(P, "undo", done.id))]]), edit=True)
    elif verb == "undo":
        done = await activities.delete_activity(s, actor, activity_id, now=now, tz=tz, undo=True)
        await answer(update, _("↩️ Activity #{id} «{title}» restored.").format(id=done.id, title=esc(done.title)), edit=True)
    else:
        raise StaleButton()


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("my", cmd_my, filters=filters.UpdateType.MESSAGE),
        CallbackQueryHandler(cb_my, pattern=rf"^{P}:"),
    ]
