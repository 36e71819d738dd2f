"""/digest (the last complete week, on demand) and /setchat (where the weekly digest goes)."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.context import BotContext
from handlers.common import esc
from services import digest_bindings
from services.digest_bindings import CHANNELS, BindingView
from services.digest_errors import BadSetchat, GroupChatOnly
from services.digest_runs import on_demand
from services.report_format import span, when
from services.weeks import next_fire



async def cmd_digest(update: Update, context: BotContext) -> None:
    """The digest of the last complete week for the county, with its chart (coordinators and leaders)."""
    actor = await context.actor(update)
    digest, parts, png = await on_demand(context.session, actor, now=context.now(), tz=context.tz, lang=context.lang)
    for text in parts:
        await update.effective_message.reply_text(text)
    if png:
        caption = context._("Activities and participants by town, {span}").format(
            span=span(digest.start, digest.end, context.lang))
        await update.effective_message.reply_photo(InputFile(png, filename=f"digest-{digest.week}.png"), caption=caption)


def _bound_text(view: BindingView, context: BotContext) -> str:
    _ = context._
    at = next_fire(context.rt.settings.digest_cron, context.now(), context.tz)
    lines = [_("✅ The weekly digest of {unit} will go to this {channel}.").format(
        unit=esc(view.unit_name), channel=_(CHANNELS[view.channel]))]
    if at is not None:
        lines.append(_("Next one: {when}. Send /digest to see last week's now.").format(when=when(at, context.lang)))
    if view.channel != "telegram":
        lines.append(_("Webhook: {where}; signed: {signed}.").format(
            where=esc(view.where), signed=_("yes") if view.signed else _("no")))
    return "\n".join(lines)


def _list_text(views: list[BindingView], context: BotContext) -> str:
    _ = context._
    if not views:
        return _("The weekly digest is not sent anywhere yet. Send /setchat digest in the leadership group's chat.")
    lines = [_("<b>Where the weekly digest goes</b>")]
    lines += [f"· {_(CHANNELS[v.channel])} {esc(v.where)} — {esc(v.unit_name)}" for v in views]
    return "\n".join(lines)


async def cmd_setchat(update: Update, context: BotContext) -> None:
    """Bind this group (or a robot webhook, in private) to the weekly digest; `off` stops it; no words lists them."""
    args = list(context.args or [])
    kind = args.pop(0).lower() if args else "list"
    off = any(a.lower() == "off" for a in args)
    args = [a for a in args if a.lower() != "off"]
    s, now = context.session, context.now()
    if kind == "list":
        actor = await context.private_actor(update)
        await update.effective_message.reply_text(_list_text(await digest_bindings.list_bindings(s, actor), context))
    elif kind == "digest":
        actor = await context.actor(update)
        if update.effective_chat.type == ChatType.PRIVATE:
            raise GroupChatOnly()
        chat_id = update.effective_chat.id
        if off:
            await digest_bindings.unbind(s, actor, chat_id=chat_id, now=now)
            await update.effective_message.reply_text(context._("The weekly digest will no longer be sent to this group."))
            return
        view = await digest_bindings.bind_chat(s, actor, chat_id=chat_id, unit_code=args[0] if args else None, now=now)
        await update.effective_message.reply_text(_bound_text(view, context))
    elif kind in digest_bindings.PLATFORMS and args:
        actor = await context.private_actor(update)
        url, rest = args[0], args[1:]
        if off:
            await digest_bindings.unbind(s, actor, url=url, now=now)
            await update.effective_message.reply_text(context._("The weekly digest will no longer be sent to that robot."))
            return
        code, secret = await digest_bindings.split_words(s, rest)
        view = await digest_bindings.bind_robot(s, actor, channel=kind, url=url, secret=secret, unit_code=code, now=now)
        await update.effective_message.reply_text(_bound_text(view, context))
    else:
        raise BadSetchat()


def handlers() -> list[BaseHandler]:
    msg = filters.UpdateType.MESSAGE
    return [CommandHandler("digest", cmd_digest, filters=msg), CommandHandler("setchat", cmd_setchat, filters=msg)]
