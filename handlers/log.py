"""/log: an activity in one line or step by step, shown on a card with ✅ / ✏️ / ❌ before it is saved."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from handlers.common import (
    answer,
    answer_query,
    cb,
    chunk,
    esc,
    fmt_day,
    fmt_minutes,
    int_arg,
    keyboard,
    parse_cb,
)
from services import activities, activity_form, drafts
from services.activity_form import ActivityCard, FormStep
from services.activity_text import CATEGORIES, TARGET_GROUPS
from services.errors import N_, StaleButton

P = "a1"
QUESTIONS = {
    "unit": N_("Which unit is this activity for?"),
    "date": N_("When did it take place? (e.g. 昨天, 11月20日, 上周五)"),
    "title": N_("What was the activity? Send a short title (e.g. 老年健康讲座)."),
    "participants": N_("How many people took part? (e.g. 45)"),
    "minors": N_("How many of them were minors? (e.g. 10)"),
    "minutes": N_("How long did it last? (e.g. 2小时, 1.5, 90分钟)"),
    "category": N_("Which category is it?"),
    "groups": N_("Who was it for? Tap the groups, then ✔️ Done."),
    "place": N_("Where did it take place?"),
    "notes": N_("Any notes? Send them as text."),
}
FIELD_LABELS = {
    "unit": N_("Unit"), "date": N_("Date"), "title": N_("Title"), "participants": N_("Participants"),
    "minors": N_("Minors"), "minutes": N_("Duration"), "category": N_("Category"), "groups": N_("Target groups"),
    "place": N_("Place"), "notes": N_("Notes"),
}
DOUBTS = {"long_ago": N_("⚠️ This date is more than 30 days ago. Please check it before confirming.")}


def render_card(card: ActivityCard, _, lang: str) -> str:  # noqa: ANN001
    """The confirmation card: every field, the date in full, warnings last."""
    head = _("<b>Activity — please check</b>") if not card.activity_id else _("<b>Editing activity #{id}</b>").format(id=card.activity_id)
    day = fmt_day(card.day, lang) + (f" {card.time}" if card.time else "") if card.day else "—"
    rows = [
        (FIELD_LABELS["unit"], esc(card.unit_name)), (FIELD_LABELS["date"], day), (FIELD_LABELS["title"], esc(card.title or "—")),
        (FIELD_LABELS["participants"], str(card.participants if card.participants is not None else "—")),
        (FIELD_LABELS["minors"], str(card.minors)), (FIELD_LABELS["minutes"], fmt_minutes(card.minutes, lang) if card.minutes else "—"),
        (FIELD_LABELS["category"], esc(card.category or "—")), (FIELD_LABELS["groups"], esc("、".join(card.groups) or "—")),
        (FIELD_LABELS["place"], esc(card.place or "—")),
    ]
    if card.notes:
        rows.append((FIELD_LABELS["notes"], esc(card.notes)))
    lines = [head] + [f"{_(label)}：{value}" for label, value in rows]
    if card.late:
        lines.append(_("🕘 Logged more than 7 days after the date: it will be marked 补录 (late)."))
    if card.doubt in DOUBTS:
        lines.append(_(DOUBTS[card.doubt]))
    return "\n".join(lines)


def card_keyboard(version: int, _) -> InlineKeyboardMarkup:  # noqa: ANN001
    return keyboard([[(_("✅ Confirm"), cb(P, "ok", version)), (_("✏️ Edit"), cb(P, "edit", version)),
                      (_("❌ Cancel"), cb(P, "no", version))]])


def _question(form: FormStep, _) -> tuple[str, InlineKeyboardMarkup | None]:  # noqa: ANN001
    field = form.step.removeprefix("edit:")
    text = _(QUESTIONS[field])
    v = form.version
    if field == "unit":
        return text, keyboard(chunk([(name, cb(P, "unit", v, uid)) for uid, name in form.choices], 2))
    if field == "category":
        return text, keyboard(chunk([(c, cb(P, "cat", v, i)) for i, c in enumerate(CATEGORIES)], 3))
    if field == "groups":
        marks = [(("✓ " if g in form.card.groups else "") + g, cb(P, "grp", v, i)) for i, g in enumerate(TARGET_GROUPS)]
        return text, keyboard(chunk(marks, 2) + [[(_("✔️ Done"), cb(P, "back", v))]])
    if form.step.startswith("edit:"):
        return text, keyboard([[(_("↩️ Back to the card"), cb(P, "back", v))]])
    return text, None


async def show(update: Update, context: BotContext, form: FormStep, *, edit: bool = False) -> None:
    """Send the next question, or the card when the form is complete."""
    _ = context._
    if form.step == "card":
        await answer(update, render_card(form.card, _, context.lang), card_keyboard(form.version, _), edit=edit)
    else:
        text, markup = _question(form, _)
        await answer(update, text, markup, edit=edit and markup is not None)


async def cmd_log(update: Update, context: BotContext) -> None:
    """Open an activity form, reading whatever the command's text already says."""
    actor = await context.private_actor(update)
    text = " ".join(context.args or [])
    form = await activity_form.start_log(context.session, actor, text, now=context.now(), tz=context.tz)
    await show(update, context, form)


async def on_answer(update: Update, context: BotContext, text: str) -> None:
    """A typed answer to the open activity form."""
    actor = await context.private_actor(update)
    form = await activity_form.answer_log(context.session, actor, text, now=context.now(), tz=context.tz)
    await show(update, context, form)


def _edit_menu(version: int, _) -> InlineKeyboardMarkup:  # noqa: ANN001
    buttons = [(_(FIELD_LABELS[f]), cb(P, "f", version, f)) for f in activity_form.EDITABLE]
    return keyboard(chunk(buttons, 3) + [[(_("↩️ Back to the card"), cb(P, "back", version))]])


async def cb_log(update: Update, context: BotContext) -> None:
    """Buttons of the activity form: confirm, edit, cancel, and the choices of each question."""
    actor = await context.private_actor(update)
    _ = context._
    verb, args = parse_cb(update.callback_query.data, P)
    version = int_arg(args, 0)
    now, tz, s = context.now(), context.tz, context.session
    if verb == "ok":
        saved = await activities.confirm_log(s, actor, version, now=now, tz=tz)
        text = (_("✅ Saved as activity #{id}. Send photos now and they will join it.") if saved.created
                else _("✅ Activity #{id} updated.")).format(id=saved.id)
        await answer(update, text, edit=True)
    elif verb == "no":
        await drafts.require_draft(s, actor.person_id, activity_form.KIND, version)
        await drafts.drop_draft(s, actor.person_id)
        await answer(update, _("Cancelled. Nothing was saved."), edit=True)
    elif verb == "edit":
        await drafts.require_draft(s, actor.person_id, activity_form.KIND, version)
        await answer_query(update.callback_query)
        await update.callback_query.edit_message_reply_markup(_edit_menu(version, _))
    else:
        what = {"cat": "cat", "unit": "unit", "grp": "grp", "f": "edit", "back": "back"}.get(verb)
        if what is None:
            raise StaleButton()
        value = args[1] if len(args) > 1 else ""
        form = await activity_form.pick_log(s, actor, what, value, version, now=now, tz=tz)
        await show(update, context, form, edit=True)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("log", cmd_log, filters=filters.UpdateType.MESSAGE),
        CallbackQueryHandler(cb_log, pattern=rf"^{P}:"),
    ]
