"""/stats [本周|上周|本月|上月|今年|YYYY-MM]: figures for the person's scope, against the period before."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.context import BotContext
from handlers.common import esc
from services import stats
from services.digest import MINORS_TARGET, REACH_TARGET, Row
from services.errors import N_
from services.report_format import delta, hours, num, pct, short, span

PERIODS = {"this_week": N_("this week"), "last_week": N_("last week"), "this_month": N_("this month"),
           "last_month": N_("last month"), "this_year": N_("this year"), "month": N_("the month")}
SHOW_ROWS = 30


def _row(r: Row, context: BotContext) -> str:
    _, lang = context._, context.lang
    name = esc(short(r.name)) + (_(" (own entries)") if r.own else "")
    return _("· {name}: activities {n} ({dn}), participants {p} ({dp}), minors {m}, hours {h}").format(
        name=name, n=num(r.week.activities, lang), dn=delta(r.week.activities, r.prev.activities, lang),
        p=num(r.week.participants, lang), dp=delta(r.week.participants, r.prev.participants, lang),
        m=num(r.week.minors, lang), h=hours(r.week.minutes, lang))


def render_stats(st: stats.Stats, context: BotContext) -> str:
    """The figures, one block per breakdown, short enough for one message."""
    _, lang, p = context._, context.lang, st.period
    t, b = st.total, st.prev_total
    lines = [_("<b>📈 Statistics: {scope}, {period}</b>").format(scope=esc(short(st.scope_name)), period=_(PERIODS[p.kind])),
             _("{span}, compared with {before}").format(span=span(p.start, p.end, lang), before=span(p.prev_start, p.prev_end, lang)),
             _("Activities {n} ({dn}), participants {p} ({dp}), of them minors {m}, hours {h}.").format(
                 n=num(t.activities, lang), dn=delta(t.activities, b.activities, lang), p=num(t.participants, lang),
                 dp=delta(t.participants, b.participants, lang), m=num(t.minors, lang), h=hours(t.minutes, lang))]
    if st.population:
        lines.append(_("Person-times per resident: {share} of {pop} residents (yearly target ≥ {target}).").format(
            share=pct(st.reach_share, lang), pop=num(st.population, lang), target=pct(REACH_TARGET, lang, 0)))
    lines.append(_("Minors' share of participants: {share} (target ≥ {target}).").format(
        share=pct(st.minors_share, lang), target=pct(MINORS_TARGET, lang, 0)))
    for title, rows in ((_("By village") if st.scope_level == "town" else _("By town"), st.rows),
                        (_("By category"), st.categories)):
        if rows:
            lines += ["", f"<b>{title}</b>"] + [_row(r, context) for r in rows[:SHOW_ROWS]]
            if len(rows) > SHOW_ROWS:
                lines.append(_("… and {n} more").format(n=len(rows) - SHOW_ROWS))
    return "\n".join(lines)


async def cmd_stats(update: Update, context: BotContext) -> None:
    """Figures for the person's scope and the period asked for (this month by default)."""
    actor = await context.actor(update)
    figures = await stats.stats_for(context.session, actor, " ".join(context.args or []), now=context.now(), tz=context.tz)
    await update.effective_message.reply_text(render_stats(figures, context))


def handlers() -> list[BaseHandler]:
    return [CommandHandler("stats", cmd_stats, filters=filters.UpdateType.MESSAGE)]
