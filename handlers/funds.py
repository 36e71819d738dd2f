"""/funds and the buttons on funding cards: 推荐 / 批准 / 退回 / 驳回 / 已拨付, withdraw, edit, reassign.

Each button carries the request's version; the services re-check who may press it and its state."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from handlers import funding as form_handlers
from handlers import fund_settle
from handlers.common import answer, cb, chunk, esc, fmt_day, int_arg, keyboard, parse_cb
from services import funding, funding_decide, funding_moves, funding_settle
from services.errors import N_, StaleButton
from services.funding_cards import LABELS, P, buttons, card_text, view_request
from services.funding_decide import Outcome
from services.funding_flow import STATE_NAMES
from services.funding_queue import QueueRow, my_queue
from services.money import format_fen

ASKED = {
    "partial": N_("How much do you approve for #{id} «{title}» (requested {amount})? Send the amount."),
    "return": N_("Why is #{id} «{title}» returned? Send the reason: the requester will see it and can change the request."),
    "reject": N_("Why is #{id} «{title}» rejected? Send the reason: the requester will see it."),
    "disburse": N_("Send the date and a note for the payment of #{id} «{title}» ({amount}), e.g. 今天 银行转账 or 11月25日 凭证号123."),
}
DONE = {
    "recommend": N_("👍 Request #{id} «{title}» recommended; it now goes to the community college."),
    "approve": N_("✅ Request #{id} «{title}» approved for {amount}; the requester was told."),
    "return": N_("↩️ Request #{id} «{title}» returned to the requester with your reason."),
    "reject": N_("⛔ Request #{id} «{title}» rejected; the requester was told why."),
    "disburse": N_("💰 Request #{id} «{title}»: the payment of {amount} is recorded; the requester was told."),
}
ASK_VERBS = {"part": "partial", "ret": "return", "rej": "reject", "pay": "disburse"}


def _line(r: QueueRow, _, lang: str) -> str:  # noqa: ANN001
    text = _("#{id} {unit} «{title}» {amount} — {state}").format(
        id=r.id, unit=esc(r.unit_name), title=esc(r.title), amount=format_fen(r.amount, lang), state=_(STATE_NAMES[r.state]))
    if r.waited or r.state in ("submitted", "town_reviewed"):
        text += _(" · since {day}, {n} working days").format(day=fmt_day(r.since, lang), n=r.waited)
    if r.reviewer_name:
        text += _(" · with {name}").format(name=esc(r.reviewer_name))
    return text + (" ⏰" if r.stuck else "")


async def cmd_funds(update: Update, context: BotContext) -> None:
    """What waits for this person (oldest first), payments due, stuck reviews, their own requests; `/funds 12`: one."""
    actor = await context.actor(update)
    _, lang = context._, context.lang
    wanted = (context.args or [""])[0].lstrip("#")
    if wanted.isdigit():
        await show_request(update, context, int(wanted))
        return
    q = await my_queue(context.session, actor, now=context.now(), tz=context.tz)
    lines, opens = [], []
    for title, rows in ((_("<b>Waiting for your review</b> (oldest first)"), q.to_review),
                        (_("<b>Approved, waiting for payment</b>"), q.to_disburse),
                        (_("<b>Stuck with another reviewer for more than 5 working days</b>"), q.stuck),
                        (_("<b>Your requests</b>"), q.mine)):
        if rows:
            lines += [title] + [_line(r, _, lang) for r in rows] + [""]
            opens += [b for b in ((f"📂 #{r.id}", cb(P, "open", r.id)) for r in rows) if b not in opens]
    if q.more:
        lines.append(_("… and {n} more; open one with /funds and its number.").format(n=q.more))
    if not lines:
        lines = [_("No funding requests for you. Request money with /fund.")]
    markup = keyboard(chunk(opens, 4)) if opens else None
    await update.effective_message.reply_text("\n".join(lines).strip(), reply_markup=markup)


async def show_request(update: Update, context: BotContext, request_id: int, *, edit: bool = False) -> None:
    """One request's card with the buttons this person may press now."""
    actor = await context.actor(update)
    _ = context._
    info = await view_request(context.session, actor, request_id, today=context.today())
    markup = buttons(info, _, context.lang)
    await answer(update, card_text(info, _, context.lang, context.tz, context.today()), keyboard(markup) if markup else None,
                 edit=edit)


async def show_outcome(update: Update, context: BotContext, o: Outcome) -> None:
    """What a decision did; an approval beyond the budget asks for the explicit override instead."""
    _, lang = context._, context.lang
    if o.action == "stale":
        text = _("Request #{id} was changed by someone else while you were typing: it is now «{what}». "
                 "Nothing was changed; open it again with /funds {id}.")
        await answer(update, text.format(id=o.request_id, what=_(STATE_NAMES[o.state])))
        return
    if o.over_budget is not None:
        text = _("⚠️ Approving {amount} for #{id} «{title}» is more than the remaining budget of {holder} ({remaining}). "
                 "Approve it over the budget? This is recorded.").format(
            amount=format_fen(o.amount, lang), id=o.request_id, title=esc(o.title), holder=esc(o.holder_name),
            remaining=format_fen(o.over_budget, lang))
        rows = [[(_("⚠️ Approve over the budget"), cb(P, "ovr", o.request_id, o.version, o.amount))],
                [(_("✏️ Approve less"), cb(P, "part", o.request_id, o.version))]]
        await answer(update, text, keyboard(rows), edit=update.callback_query is not None)
        return
    text = _(DONE[o.action]).format(id=o.request_id, title=esc(o.title), amount=format_fen(o.amount, lang))
    label = LABELS["disburse"]
    pay = keyboard([[(_(label), cb(P, "pay", o.request_id, o.version))]]) if o.action == "approve" else None
    await answer(update, text, pay, edit=update.callback_query is not None)


async def on_review_text(update: Update, context: BotContext, text: str) -> None:
    """The reason, smaller amount, or payment date and note a reviewer was asked for."""
    actor = await context.private_actor(update)
    await show_outcome(update, context, await funding_decide.answer(context.session, actor, text, now=context.now(),
                                                                    tz=context.tz))


async def cb_funds(update: Update, context: BotContext) -> None:
    """Every button on a funding card; rights and state are re-checked by the services on each press."""
    actor = await context.private_actor(update)
    _ = context._
    verb, args = parse_cb(update.callback_query.data, P)
    rid, s, now, tz = int_arg(args, 0), context.session, context.now(), context.tz
    if verb == "open":
        await show_request(update, context, rid)
        return
    version = int_arg(args, 1)
    if verb in ("rec", "ok", "ovr"):
        action = "recommend" if verb == "rec" else "approve"
        amount = int_arg(args, 2) if verb == "ovr" else None
        await show_outcome(update, context, await funding_decide.decide(
            s, actor, rid, version, action, now=now, tz=tz, amount=amount, override=verb == "ovr"))
    elif verb in ASK_VERBS:
        p = await funding_decide.ask(s, actor, rid, version, ASK_VERBS[verb], now=now)
        await answer(update, _(ASKED[p.action]).format(id=p.request_id, title=esc(p.title),
                                                       amount=format_fen(p.amount, context.lang)))
    elif verb == "wd":
        await answer(update, _("Withdraw request #{id}? Nobody will review it any more.").format(id=rid),
                     keyboard([[(_("🗑 Yes, withdraw"), cb(P, "wdy", rid, version))]]))
    elif verb == "wdy":
        done = await funding_moves.withdraw(s, actor, rid, version, now=now, tz=tz)
        text = _("🗑 Request #{id} «{title}» withdrawn.")
        await answer(update, text.format(id=done.request_id, title=esc(done.title)), edit=True)
    elif verb == "ed":
        await form_handlers.show(update, context, await funding.edit_returned(s, actor, rid, version, now=now, tz=tz))
    elif verb == "set":
        await fund_settle.show(update, context, await funding_settle.open_settle(s, actor, rid, version, now=now))
    elif verb == "ra":
        people = await funding_moves.reassign_choices(s, actor, rid, version, now=now, tz=tz)
        rows = chunk([(f"{c.name}（{c.unit_name}）"[:40], cb(P, "rat", rid, version, c.person_id)) for c in people], 2)
        text = _("Who should review request #{id} now?").format(id=rid) if rows else _("There is nobody else who can review it.")
        await answer(update, text, keyboard(rows) if rows else None)
    elif verb == "rat":
        done = await funding_moves.reassign(s, actor, rid, version, int_arg(args, 2), now=now, tz=tz)
        await answer(update, _("🔁 Request #{id} «{title}» is now with {name}, who was sent the card.").format(
            id=done.request_id, title=esc(done.title), name=esc(done.reviewer_name)), edit=True)
    else:
        raise StaleButton()


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("funds", cmd_funds, filters=filters.UpdateType.MESSAGE),
        CallbackQueryHandler(cb_funds, pattern=rf"^{P}:"),
    ]
