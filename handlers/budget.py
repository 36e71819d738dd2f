"""/budget: where the year's money stands; /setstandard and /allocate: an admin's budget settings, on a card
before ✅."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from handlers.common import answer, cb, esc, fmt_day, int_arg, keyboard, parse_cb
from services import budget_admin, budgets
from services.budget_admin import AdminCard
from services.budgets import Budget, Figures
from services.errors import StaleButton
from services.money import format_fen

P = "bg1"


def _figures(f: Figures, _, lang: str) -> list[str]:  # noqa: ANN001
    m = lambda fen: format_fen(fen, lang)  # noqa: E731
    return [_("Requested, waiting for review: {n}").format(n=m(f.pending)), _("Approved: {n}").format(n=m(f.approved)),
            _("Disbursed: {n}").format(n=m(f.disbursed)),
            _("Settled (spent): {n}; unspent and returned to the budget: {r}").format(n=m(f.settled), r=m(f.returned))]


def render_budget(b: Budget, _, lang: str) -> str:  # noqa: ANN001
    """Allocation and how it is made up, the five figures and what remains, to the fen."""
    m = lambda fen: format_fen(fen, lang)  # noqa: E731
    lines = [_("<b>Budget {year}: {holder}</b>").format(year=b.year, holder=esc(b.holder_name))]
    if b.unit_id != b.holder_id:
        lines.append(_("{unit} spends from the budget of {holder}.").format(unit=esc(b.unit_name), holder=esc(b.holder_name)))
    lines.append(_("Residents: {pop} × {per} per resident = {base}").format(pop=f"{b.population:,}", per=m(b.per_resident_fen),
                                                                           base=m(b.population * b.per_resident_fen)))
    if b.default_standard:
        lines.append(_("(No standard has been set by the admin, so the default of 1 元 per resident is used.)"))
    lines += [_("Extra allocations: {n}").format(n=m(b.extras)), _("<b>Allocation: {n}</b>").format(n=m(b.allocation))]
    lines += _figures(b.figures, _, lang)
    lines.append(_("<b>Remaining: {n}</b>").format(n=m(b.remaining)))
    if b.holder_level == "town":
        lines.append(_("A town's residents include its villages': the requests of the town and its villages draw on this budget."))
    elif b.holder_level == "county":
        lines.append(_("Departments and the college draw on the county's whole budget; the towns' budgets are part of it."))
    if b.own is not None:
        lines += ["", _("<b>Of which {unit}</b>").format(unit=esc(b.unit_name))] + _figures(b.own, _, lang)
    if b.parts:
        lines += ["", _("<b>By town</b> (allocation · approved · remaining)")]
        rest = _("Departments, college, not assigned")
        lines += [_("{name}: {a} · {b} · {c}").format(name=esc(p.name) if p.name else rest, a=m(p.allocation),
                                                      b=m(p.figures.approved), c=m(p.remaining)) for p in b.parts]
    return "\n".join(lines)


async def cmd_budget(update: Update, context: BotContext) -> None:
    """`/budget`, `/budget T1`, `/budget T1 2025`: the budget for the person's scope (coordinators: any unit)."""
    actor = await context.actor(update)
    args = list(context.args or [])
    year = int(args.pop()) if args and args[-1].isdigit() and len(args[-1]) == 4 else None
    b = await budgets.show_budget(context.session, actor, args[0] if args else None, year, today=context.today())
    await update.effective_message.reply_text(render_budget(b, context._, context.lang))


def render_admin(card: AdminCard, _, lang: str, *, saved: bool = False) -> str:  # noqa: ANN001
    m = lambda fen: format_fen(fen, lang)  # noqa: E731
    if card.what == "standard":
        lines = [_("✅ <b>Standard saved</b>") if saved else _("<b>New per-resident standard — please check</b>"),
                 _("Per resident a year: {new}").format(new=m(card.per_resident_fen)),
                 _("From: {day}").format(day=fmt_day(card.effective_from, lang))]
        if not saved:
            lines.append(_("In force until then: {old}. Earlier standards stay in the history.").format(old=m(card.current_fen)))
        return "\n".join(lines)
    return "\n".join([
        _("✅ <b>Extra allocation saved</b>") if saved else _("<b>Extra allocation — please check</b>"),
        _("Unit: {unit} ({code})").format(unit=esc(card.unit_name), code=esc(card.unit_code)),
        _("Amount: {n}").format(n=m(card.amount_fen)), _("Year: {year}").format(year=card.year),
        _("Note: {note}").format(note=esc(card.note or "—")),
        _("Allocation of {holder} with it: {n}").format(holder=esc(card.holder_name), n=m(card.allocation_after))])


def _confirm(version: int, _):  # noqa: ANN001
    return keyboard([[(_("✅ Save"), cb(P, "ok", version)), (_("❌ Cancel"), cb(P, "no", version))]])


async def cmd_setstandard(update: Update, context: BotContext) -> None:
    """`/setstandard` lists the standards; `/setstandard 1.5 [from date]` proposes a new one (admins)."""
    actor = await context.private_actor(update)
    _, lang, text = context._, context.lang, " ".join(context.args or [])
    if not text:
        st = await budget_admin.standards(context.session, actor, today=context.today())
        lines = [_("Per-resident standard in force: {n}").format(n=format_fen(st.current_fen, lang)) +
                 (_(" (the default: none set yet)") if st.default else "")]
        lines += [_("· {n} from {day}, set by {name}").format(n=format_fen(r.per_resident_fen, lang),
                                                         day=fmt_day(r.effective_from, lang), name=esc(r.set_by or "—"))
                  for r in st.rows]
        lines.append(_("Change it with /setstandard 1.5 (from today) or /setstandard 2 2027-01-01."))
        await update.effective_message.reply_text("\n".join(lines))
        return
    card = await budget_admin.propose_standard(context.session, actor, text, now=context.now(), tz=context.tz)
    await update.effective_message.reply_text(render_admin(card, _, lang), reply_markup=_confirm(card.version, _))


async def cmd_allocate(update: Update, context: BotContext) -> None:
    """`/allocate T1 5000 县财政追加`: an extra allocation for a unit this year, on a card before ✅ (admins)."""
    actor = await context.private_actor(update)
    card = await budget_admin.propose_extra(context.session, actor, " ".join(context.args or []), now=context.now(),
                                            tz=context.tz)
    await update.effective_message.reply_text(render_admin(card, context._, context.lang),
                                              reply_markup=_confirm(card.version, context._))


async def cb_budget(update: Update, context: BotContext) -> None:
    """✅ saves the budget change on the card; ❌ drops it."""
    actor = await context.private_actor(update)
    verb, args = parse_cb(update.callback_query.data, P)
    version = int_arg(args, 0)
    if verb == "ok":
        card = await budget_admin.confirm_admin(context.session, actor, version, now=context.now(), tz=context.tz)
        await answer(update, render_admin(card, context._, context.lang, saved=True), edit=True)
    elif verb == "no":
        await budget_admin.cancel_admin(context.session, actor, version)
        await answer(update, context._("Cancelled. Nothing was saved."), edit=True)
    else:
        raise StaleButton()


def handlers() -> list[BaseHandler]:
    msg = filters.UpdateType.MESSAGE
    return [
        CommandHandler("budget", cmd_budget, filters=msg),
        CommandHandler("setstandard", cmd_setstandard, filters=msg),
        CommandHandler("allocate", cmd_allocate, filters=msg),
        CallbackQueryHandler(cb_budget, pattern=rf"^{P}:"),
    ]
