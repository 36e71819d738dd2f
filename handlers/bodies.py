"""/body for admins: list the bodies, or add one, set its yearly minimum, add or remove members, after a ✅."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from handlers.common import answer, cb, esc, int_arg, keyboard, parse_cb
from services import bodies, drafts
from services.bodies import BodyChange
from services.errors import StaleButton

P = "b1"
SHOW = 60


def render_change(c: BodyChange, _) -> str:  # noqa: ANN001
    """The card: which body, minimum before → after, members added and removed, active or not."""
    head = _("<b>New body — please check</b>") if c.body_id is None else \
        _("<b>Body #{id} — please check</b>").format(id=c.body_id)
    lines = [head, _("Body: {unit} ({code}) · {name}").format(unit=esc(c.unit_name), code=esc(c.unit_code),
                                                              name=esc(c.name))]
    before = "—" if c.minimum_before is None else str(c.minimum_before)
    lines.append(_("Meetings a year at least: {before} → {after}").format(before=before, after=c.minimum_after))
    if c.added:
        lines.append(_("Members added: {names}").format(names=esc("、".join(c.added))))
    if c.removed:
        lines.append(_("Members removed: {names}").format(names=esc("、".join(c.removed))))
    if not c.active_after:
        lines.append(_("The body will be deactivated: it is no longer counted or offered for meetings."))
    return "\n".join(lines)


async def cmd_body(update: Update, context: BotContext) -> None:
    """Without text: every body; with text: the change it asks for, on a card with ✅ / ❌."""
    actor = await context.private_actor(update)
    _ = context._
    text = " ".join(context.args or [])
    if not text.strip():
        refs = await bodies.list_bodies(context.session, actor)
        lines = [_("<b>Bodies</b> (unit code:name · yearly minimum · members)")]
        lines += [_("#{id} {code}:{name} · {minimum} · {members}").format(
            id=r.id, code=esc(r.unit_code), name=esc(r.name), minimum=r.min_per_year, members=r.members)
            + ("" if r.active else _(" · inactive")) for r in refs[:SHOW]]
        if len(refs) > SHOW:
            lines.append(_("… and {n} more").format(n=len(refs) - SHOW))
        lines.append(_("Change one with e.g. /body T1:校务委员会 4次 +13800000021 -13800000011"))
        await update.effective_message.reply_text("\n".join(lines))
        return
    change = await bodies.propose_body_change(context.session, actor, text, now=context.now())
    await update.effective_message.reply_text(render_change(change, _), reply_markup=keyboard([[
        (_("✅ Confirm"), cb(P, "ok", change.version)), (_("❌ Cancel"), cb(P, "no", change.version))]]))


async def cb_body(update: Update, context: BotContext) -> None:
    """Apply or drop the change shown on the card."""
    actor = await context.private_actor(update)
    _ = context._
    verb, args = parse_cb(update.callback_query.data, P)
    version = int_arg(args, 0)
    if verb == "ok":
        done = await bodies.confirm_body_change(context.session, actor, version, now=context.now())
        await answer(update, _("✅ Body #{id} {name} saved.").format(id=done.body_id, name=esc(done.name)), edit=True)
    elif verb == "no":
        await drafts.require_draft(context.session, actor.person_id, bodies.KIND, version)
        await drafts.drop_draft(context.session, actor.person_id)
        await answer(update, _("Cancelled. Nothing was saved."), edit=True)
    else:
        raise StaleButton()


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("body", cmd_body, filters=filters.UpdateType.MESSAGE),
        CallbackQueryHandler(cb_body, pattern=rf"^{P}:"),
    ]
