"""/fund: a funding request in one line or step by step, on a card with the budget left before ✅; photos and
documents sent while the form is open go with it (and receipts with an open settlement)."""

from __future__ import annotations

from pathlib import Path

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from handlers.common import answer_query, answer, keep_file, cb, chunk, esc, int_arg, keyboard, parse_cb
from services import drafts, funding, funding_settle
from services.errors import N_, StaleButton
from services.funding import FundCard, FundForm
from services.funding_errors import FileTooLarge
from services.money import format_fen

P = "f1"
MAX_FILE = 20 * 1024 * 1024
QUESTIONS = {
    "title": N_("What is the project? Send a short title (e.g. 老年大学书法班)."),
    "amount": N_("How much do you need? (e.g. 1500, 1,500元, 1.5万, 一千五百元)"),
    "purpose": N_("What is the money for? (e.g. 购买笔墨纸砚、聘请授课老师)"),
}
FIELDS = {"title": N_("Project"), "amount": N_("Amount"), "purpose": N_("Purpose")}


def render_card(card: FundCard, _, lang: str) -> str:  # noqa: ANN001
    """The confirmation card: every field, the budget it draws on, what is left after it."""
    head = _("<b>Editing request #{id}</b>").format(id=card.request_id) if card.request_id else \
        _("<b>Funding request — please check</b>")
    unit = esc(card.unit_name) + (_(" (budget of {holder})").format(holder=esc(card.holder_name))
                                  if card.holder_name != card.unit_name else "")
    lines = [head, _("Unit: {unit}").format(unit=unit), _("Project: {title}").format(title=esc(card.title)),
             _("Amount requested: {amount}").format(amount=format_fen(card.amount or 0, lang)),
             _("Purpose: {purpose}").format(purpose=esc(card.purpose or "—")),
             _("Activities: {list}").format(list=esc("；".join(card.links) or "—"))]
    if card.files:
        lines.append(_("Attachments: {n}").format(n=card.files))
    after = card.remaining - (card.amount or 0)
    lines.append(_("Remaining budget of {holder} for {year}: {remaining}; after this request: {after}").format(
        holder=esc(card.holder_name), year=card.year, remaining=format_fen(card.remaining, lang),
        after=format_fen(after, lang)))
    if card.pending:
        lines.append(_("Other requests still waiting for review: {amount}").format(amount=format_fen(card.pending, lang)))
    if after < 0:
        lines.append(_("⚠️ This is more than the remaining budget: the college may approve less, or approve it over the budget."))
    lines.append(_("📎 Photos or a document sent now go with the request."))
    return "\n".join(lines)


def _card_keyboard(form: FundForm, _) -> InlineKeyboardMarkup:  # noqa: ANN001
    v = form.version
    ok = _("✅ Resubmit") if form.card.request_id else _("✅ Submit")
    return keyboard([[(ok, cb(P, "ok", v)), (_("✏️ Edit"), cb(P, "edit", v))],
                     [(_("🔗 Activities"), cb(P, "links", v)), (_("❌ Cancel"), cb(P, "no", v))]])


async def show(update: Update, context: BotContext, form: FundForm, *, edit: bool = False) -> None:
    """The next question, the activity list, or the card."""
    _ = context._
    v = form.version
    if form.step == "card":
        await answer(update, render_card(form.card, _, context.lang), _card_keyboard(form, _), edit=edit)
    elif form.step == "links":
        rows = chunk([(("✓ " if picked else "") + label[:40], cb(P, "act", v, i)) for i, label, picked in form.choices], 1)
        text = _("Which activities is this money for? Tap to pick, then ✔️ Done.") if form.choices else \
            _("No activities of your unit in the last 90 days to link. Log them with /log.")
        await answer(update, text, keyboard(rows + [[(_("✔️ Done"), cb(P, "back", v))]]), edit=edit)
    else:
        field = form.step.removeprefix("edit:")
        markup = keyboard([[(_("↩️ Back to the card"), cb(P, "back", v))]]) if form.step.startswith("edit:") else None
        await answer(update, _(QUESTIONS[field]), markup, edit=edit and markup is not None)


async def cmd_fund(update: Update, context: BotContext) -> None:
    """Open a funding request, reading whatever the command's text already says."""
    actor = await context.private_actor(update)
    form = await funding.start_fund(context.session, actor, " ".join(context.args or []), now=context.now(), tz=context.tz)
    await show(update, context, form)


async def on_answer(update: Update, context: BotContext, text: str) -> None:
    """A typed answer to the open funding form."""
    actor = await context.private_actor(update)
    await show(update, context, await funding.answer_fund(context.session, actor, text, now=context.now(), tz=context.tz))


async def cb_fund(update: Update, context: BotContext) -> None:
    """Buttons of the funding form: submit, edit, activities, cancel and the choices of each step."""
    actor = await context.private_actor(update)
    _ = context._
    verb, args = parse_cb(update.callback_query.data, P)
    version, s, now, tz = int_arg(args, 0), context.session, context.now(), context.tz
    if verb == "ok":
        done = await funding.confirm_fund(s, actor, version, now=now, tz=tz)
        text = _("✅ Request #{id} «{title}» for {amount} submitted again.") if done.again else \
            _("✅ Request #{id} «{title}» for {amount} submitted.")
        text = text.format(id=done.request_id, title=esc(done.title), amount=format_fen(done.amount, context.lang))
        await answer(update, text + "\n" + _("You will hear of every decision. See it any time with /funds."), edit=True)
    elif verb == "no":
        await funding.cancel_fund(s, actor, version)
        await answer(update, _("Cancelled. Nothing was saved."), edit=True)
    elif verb == "edit":
        await funding.check_fund(s, actor, version)
        rows = [[(_(FIELDS[f]), cb(P, "f", version, f)) for f in funding.STEPS],
                [(_("↩️ Back to the card"), cb(P, "back", version))]]
        await answer_query(update.callback_query)
        await update.callback_query.edit_message_reply_markup(keyboard(rows))
    else:
        what = {"f": "edit", "links": "links", "act": "act", "back": "back"}.get(verb)
        if what is None:
            raise StaleButton()
        form = await funding.pick_fund(s, actor, what, args[1] if len(args) > 1 else "", version, now=now, tz=tz)
        await show(update, context, form, edit=True)


async def _file(update: Update, context: BotContext, kind: str, media, name: str) -> None:  # noqa: ANN001
    actor = await context.private_actor(update)
    _ = context._
    form = await drafts.open_kind(context.session, actor.person_id)
    settling = form == funding_settle.KIND
    path = await keep_file(media, context.rt.data_dir / "funding", name)
    kept_as = ("receipt" if kind == "photo" else "receipt_doc") if settling else kind
    n = await funding.add_file(context.session, actor, kept_as, file_id=media.file_id, unique_id=media.file_unique_id,
                               path=path, form=form or funding.KIND)
    text = _("🧾 Receipt kept ({n} in all). Send more; once the amount spent is entered, press ✅ on the card.") if settling else \
        _("📎 Attachment kept ({n} in all). It goes with the request when you press ✅.")
    await update.effective_message.reply_text(text.format(n=n))


async def on_photo(update: Update, context: BotContext) -> None:
    """A photo for the open funding form or settlement (handlers/forms routes it here)."""
    photo = update.effective_message.photo[-1]
    await _file(update, context, "photo", photo, f"{photo.file_unique_id}.jpg")


async def on_document(update: Update, context: BotContext) -> None:
    """A document (PDF, scan, spreadsheet) for the open funding form or settlement."""
    doc = update.effective_message.document
    if (doc.file_size or 0) > MAX_FILE:
        raise FileTooLarge(mb=MAX_FILE // 1024 // 1024)
    await _file(update, context, "document", doc, doc.file_unique_id + Path(doc.file_name or "").suffix[:10])


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("fund", cmd_fund, filters=filters.UpdateType.MESSAGE),
        CallbackQueryHandler(cb_fund, pattern=rf"^{P}:"),
    ]
