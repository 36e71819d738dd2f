"""/roster for admins: send the file, see the diff, apply it on ✅."""

from __future__ import annotations

import hashlib

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from handlers.common import answer, cb, esc, int_arg, keyboard, parse_cb
from services import drafts, roster
from services.errors import NotAllowed, StaleButton, TooLong
from services.roster_file import MAX_BYTES, parse_roster

P = "r1"
KIND = "roster"
SHOW = 15


async def cmd_roster(update: Update, context: BotContext) -> None:
    """Ask an admin for the roster file."""
    actor = await context.private_actor(update)
    if not actor.has("admin"):
        raise NotAllowed()
    await drafts.save_draft(context.session, actor.person_id, kind=KIND, step="file", data={}, now=context.now())
    await update.effective_message.reply_text(context._(
        "Send the roster as a CSV or XLSX file (one row per person; Chinese or English headers). I will show the changes before anything is applied."
    ))


def render_diff(diff: roster.RosterDiff, _) -> str:  # noqa: ANN001
    """Added / changed / deactivated, with the first few of each."""
    if diff.empty:
        return _("The roster is already up to date: nothing would change.")
    parts = [_("<b>Roster changes</b>")]
    for title, items in ((_("Added"), diff.added), (_("Changed"), diff.changed), (_("Deactivated"), diff.deactivated)):
        parts.append(f"{title}: {len(items)}")
        for c in items[:SHOW]:
            what = "🏫" if c.kind == "unit" else "👤"
            fields = ", ".join(f for f, _b, _a in c.fields) if c.fields and title == _("Changed") else ""
            parts.append(f"  {what} {esc(c.label)} ({esc(c.key)}){' — ' + esc(fields) if fields else ''}")
        if len(items) > SHOW:
            parts.append("  " + _("… and {n} more").format(n=len(items) - SHOW))
    return "\n".join(parts)


def render_errors(errors, _) -> str:  # noqa: ANN001
    lines = [_("<b>The roster has invalid rows; nothing was changed.</b>")]
    for e in errors[:20]:
        msg = _(e.message).format(**e.params)
        lines.append(_("Row {row}: {message}").format(row=e.row, message=esc(msg)) if e.row else esc(msg))
    if len(errors) > 20:
        lines.append(_("… and {n} more").format(n=len(errors) - 20))
    return "\n".join(lines)


async def _download(context: BotContext, file_id: str) -> bytes:
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


async def on_document(update: Update, context: BotContext) -> None:
    """A roster file from an admin with an open /roster form: show the diff with ✅ / ❌."""
    actor = await context.private_actor(update)
    _ = context._
    draft = await drafts.require_draft(context.session, actor.person_id, KIND)
    doc = update.effective_message.document
    if doc.file_size and doc.file_size > MAX_BYTES:
        raise TooLong(length=doc.file_size, limit=MAX_BYTES)
    data = await _download(context, doc.file_id)
    parsed = parse_roster(data, doc.file_name or "")
    if parsed.errors:
        await update.effective_message.reply_text(render_errors(parsed.errors, _))
        return
    diff = await roster.diff_roster(context.session, parsed, today=context.today())
    view = await drafts.save_draft(context.session, actor.person_id, kind=KIND, step="confirm", now=context.now(),
                                   data={**draft.data, "file_id": doc.file_id, "name": doc.file_name or "",
                                         "sha": hashlib.sha256(data).hexdigest()})
    markup = None if diff.empty else keyboard([[(_("✅ Apply"), cb(P, "ok", view.version)), (_("❌ Cancel"), cb(P, "no", view.version))]])
    if diff.empty:
        await drafts.drop_draft(context.session, actor.person_id)
    await update.effective_message.reply_text(render_diff(diff, _), reply_markup=markup)


async def cb_roster(update: Update, context: BotContext) -> None:
    """Apply or drop the roster shown in the diff."""
    actor = await context.private_actor(update)
    _ = context._
    if not actor.has("admin"):
        raise NotAllowed()
    verb, args = parse_cb(update.callback_query.data, P)
    draft = await drafts.require_draft(context.session, actor.person_id, KIND, int_arg(args, 0))
    await drafts.drop_draft(context.session, actor.person_id)
    if verb == "no":
        await answer(update, _("Cancelled. The roster was not changed."), edit=True)
        return
    if verb != "ok" or "file_id" not in draft.data:
        raise StaleButton()
    data = await _download(context, draft.data["file_id"])
    if hashlib.sha256(data).hexdigest() != draft.data["sha"]:
        raise StaleButton()
    parsed = parse_roster(data, draft.data.get("name", ""))
    diff = await roster.apply_roster(context.session, parsed, now=context.now(), today=context.today(), actor_id=actor.person_id)
    await answer(update, _("✅ Roster applied: {a} added, {c} changed, {d} deactivated.").format(
        a=len(diff.added), c=len(diff.changed), d=len(diff.deactivated)), edit=True)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("roster", cmd_roster, filters=filters.UpdateType.MESSAGE),
        CallbackQueryHandler(cb_roster, pattern=rf"^{P}:"),
    ]
