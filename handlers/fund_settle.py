"""已结算: the requester types what was spent, sends receipt photos, and confirms on a card."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import BotContext
from handlers.common import answer, cb, esc, int_arg, keyboard, parse_cb
from services import funding_settle
from services.errors import StaleButton
from services.funding_settle import SettleForm
from services.money import format_fen

P = "fs1"


async def show(update: Update, context: BotContext, form: SettleForm, *, edit: bool = False) -> None:
    """The amount question, or the card with ✅ once the amount is known."""
    _, lang = context._, context.lang
    if form.step == "amount":
        text = _("How much was spent on #{id} «{title}»? {amount} was paid. Send the amount (0 if nothing), "
                 "and photos of the receipts.").format(id=form.request_id, title=esc(form.title),
                                                       amount=format_fen(form.approved, lang))
        await answer(update, text, keyboard([[(_("❌ Cancel"), cb(P, "no", form.version))]]), edit=edit)
        return
    text = "\n".join([
        _("<b>Spending of #{id} «{title}» — please check</b>").format(id=form.request_id, title=esc(form.title)),
        _("Paid: {amount}").format(amount=format_fen(form.approved, lang)),
        _("Spent: {amount}").format(amount=format_fen(form.spent or 0, lang)),
        _("Returned to the budget: {amount}").format(amount=format_fen(form.back, lang)),
        _("Receipts: {n}").format(n=form.receipts),
        _("Send photos of the receipts now if you have not yet, then press ✅."),
    ])
    await answer(update, text, keyboard([[(_("✅ Confirm"), cb(P, "ok", form.version)),
                                          (_("❌ Cancel"), cb(P, "no", form.version))]]), edit=edit)


async def on_text(update: Update, context: BotContext, text: str) -> None:
    """The amount spent."""
    actor = await context.private_actor(update)
    await show(update, context, await funding_settle.answer_settle(context.session, actor, text, now=context.now()))


async def cb_settle(update: Update, context: BotContext) -> None:
    """✅ records the spending with its receipts; ❌ closes the form, nothing saved."""
    actor = await context.private_actor(update)
    _ = context._
    verb, args = parse_cb(update.callback_query.data, P)
    version = int_arg(args, 0)
    if verb == "ok":
        done = await funding_settle.confirm_settle(context.session, actor, version, now=context.now(), tz=context.tz)
        text = _("🧾 Request #{id} «{title}» settled: {spent} spent, {back} returned to the budget, {n} receipts kept.")
        await answer(update, text.format(id=done.request_id, title=esc(done.title), n=done.receipts,
                                         spent=format_fen(done.spent, context.lang), back=format_fen(done.back, context.lang)),
                     edit=True)
    elif verb == "no":
        await funding_settle.cancel_settle(context.session, actor, version)
        await answer(update, _("Cancelled. Nothing was saved."), edit=True)
    else:
        raise StaleButton()


def handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(cb_settle, pattern=rf"^{P}:")]
