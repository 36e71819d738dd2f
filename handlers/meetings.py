"""/meeting: schedule a meeting of a body in one line or step by step, shown on a card with ✅ before it is saved."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from handlers import bodies, meeting_actions, minutes
from handlers.common import answer_query, answer, cb, chunk, esc, int_arg, keyboard, parse_cb
from services import meetings
from services.dates import Recurrence, format_when
from services.errors import N_, StaleButton
from services.meetings import MeetingCard, MeetingForm

P = "g1"
QUESTIONS = {
    "body": N_("Which body is meeting? Tap it, or type its unit's name (e.g. 古城村)."),
    "title": N_("What is the meeting called? (e.g. 领导小组会议)"),
    "start": N_("When does it start? (e.g. 下周三下午3点, 12月2日 15:00; for a repeating meeting 每周一上午9点)"),
    "place": N_("Where will it be held?"),
    "agenda": N_("What is on the agenda?"),
    "repeat": N_("How does it repeat? (e.g. 每周一上午9点, 每月最后一个周五下午3点, 每季度第一个月10号上午9点)"),
}
LABELS = {"body": N_("Body"), "title": N_("Title"), "start": N_("Time"), "place": N_("Place"), "agenda": N_("Agenda"),
          "repeat": N_("Repeats")}
DOUBTS = {
    "past_when_scheduling": N_("⚠️ This time is already past. Please check it before confirming."),
    "far_ahead": N_("⚠️ This is more than 60 days ahead. Please check it before confirming."),
}


def render_card(card: MeetingCard, _, lang: str) -> str:  # noqa: ANN001
    """The confirmation card: every field, the time in full, warnings last."""
    head = _("<b>Meeting — please check</b>") if not card.meeting_id else \
        _("<b>Changing meeting #{id}</b>").format(id=card.meeting_id)
    rule = Recurrence.from_rule(card.rule).describe(lang) if card.rule else "—"
    rows = [("body", esc(card.body or "—")), ("title", esc(card.title or "—")),
            ("start", format_when(card.start, True, lang) if card.start else "—"), ("repeat", esc(rule)),
            ("place", esc(card.place or "—")), ("agenda", esc(card.agenda or "—"))]
    lines = [head] + [f"{_(LABELS[k])}：{v}" for k, v in rows]
    if card.meeting_id:
        lines.append(_("Every invitee will be told of the change."))
    else:
        lines.append(_("Invitations go to the body's {n} members.").format(n=card.invitees))
    if card.doubt in DOUBTS:
        lines.append(_(DOUBTS[card.doubt]))
    return "\n".join(lines)


def _card_keyboard(version: int, _) -> InlineKeyboardMarkup:  # noqa: ANN001
    return keyboard([[(_("✅ Confirm"), cb(P, "ok", version)), (_("✏️ Edit"), cb(P, "edit", version)),
                      (_("❌ Cancel"), cb(P, "no", version))]])


def _edit_menu(version: int, _) -> InlineKeyboardMarkup:  # noqa: ANN001
    buttons = [(_(LABELS[f]), cb(P, "f", version, f)) for f in meetings.EDITABLE]
    return keyboard(chunk(buttons, 3) + [[(_("↩️ Back to the card"), cb(P, "back", version))]])


def _question(form: MeetingForm, _) -> tuple[str, InlineKeyboardMarkup | None]:  # noqa: ANN001
    field, v = form.step.removeprefix("edit:"), form.version
    text = _(QUESTIONS[field])
    if field == "body":
        return text, keyboard(chunk([(name, cb(P, "body", v, bid)) for bid, name in form.choices], 2))
    if field in meetings.OPTIONAL and not form.step.startswith("edit:"):
        return text, keyboard([[(_("⏭ Skip"), cb(P, "skip", v))]])
    rows = [[(_("🚫 No repetition"), cb(P, "norep", v))]] if field == "repeat" and form.card.rule else []
    if form.step.startswith("edit:"):
        rows.append([(_("↩️ Back to the card"), cb(P, "back", v))])
    return text, keyboard(rows) if rows else None


async def show(update: Update, context: BotContext, form: MeetingForm, *, edit: bool = False) -> None:
    """Send the next question, or the card when the form is complete."""
    _ = context._
    if form.step == "card":
        await answer(update, render_card(form.card, _, context.lang), _card_keyboard(form.version, _), edit=edit)
    else:
        text, markup = _question(form, _)
        await answer(update, text, markup, edit=edit and markup is not None)


async def cmd_meeting(update: Update, context: BotContext) -> None:
    """Open a meeting form, reading whatever the command's text already says."""
    actor = await context.private_actor(update)
    text = " ".join(context.args or [])
    form = await meetings.start_meeting(context.session, actor, text, now=context.now(), tz=context.tz)
    await show(update, context, form)


async def on_answer(update: Update, context: BotContext, text: str) -> None:
    """A typed answer to the open meeting form."""
    actor = await context.private_actor(update)
    form = await meetings.answer_meeting(context.session, actor, text, now=context.now(), tz=context.tz)
    await show(update, context, form)


async def cb_meeting(update: Update, context: BotContext) -> None:
    """Buttons of the meeting form: confirm, edit, cancel, and the choices of each question."""
    actor = await context.private_actor(update)
    _ = context._
    verb, args = parse_cb(update.callback_query.data, P)
    version = int_arg(args, 0)
    now, tz, s = context.now(), context.tz, context.session
    if verb == "ok":
        saved = await meetings.confirm_meeting(s, actor, version, now=now, tz=tz)
        when = format_when(saved.start, True, context.lang)
        text = (_("✅ Meeting #{id} «{title}» scheduled for {when}; {n} members invited.") if saved.created else
                _("✅ Meeting #{id} «{title}» changed to {when}; every invitee has been told."))
        await answer(update, text.format(id=saved.id, title=esc(saved.title), when=when, n=saved.invited),
                     meeting_actions.organiser_keyboard(saved.id, saved.version, _), edit=True)
    elif verb == "no":
        await meetings.drop_form(s, actor, version)
        await answer(update, _("Cancelled. Nothing was saved."), edit=True)
    elif verb == "edit":
        await meetings.check_form(s, actor, version)
        await answer_query(update.callback_query)
        await update.callback_query.edit_message_reply_markup(_edit_menu(version, _))
    else:
        what = {"body": "body", "skip": "skip", "f": "edit", "back": "back", "norep": "norepeat"}.get(verb)
        if what is None:
            raise StaleButton()
        form = await meetings.pick_meeting(s, actor, what, args[1] if len(args) > 1 else "", version, now=now, tz=tz)
        await show(update, context, form, edit=True)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("meeting", cmd_meeting, filters=filters.UpdateType.MESSAGE),
        CallbackQueryHandler(cb_meeting, pattern=rf"^{P}:"),
    ] + meeting_actions.handlers() + minutes.handlers() + bodies.handlers()
