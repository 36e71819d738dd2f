"""/meetings and the buttons on invitations, reminders and the organiser's card: RSVP, check-in, answers,
reschedule, cancel."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from handlers.common import answer_query, answer, cb, esc, int_arg, keyboard, parse_cb
from services import compliance, meeting_attendance
from services.dates import format_when
from services.errors import N_, StaleButton
from services.meeting_list import MeetingRow, my_meetings
from services.meeting_notices import MINUTES_P, P

SHOW_BODIES = 25
RSVP = {"yes": N_("✅ attending"), "no": N_("🙏 excused"), "none": N_("❔ not answered yet")}


def record_id(args: list[str], i: int) -> int:
    """A record id from callback data: int_arg's range check, and ids start at 1."""
    value = int_arg(args, i)
    if value == 0:
        raise StaleButton()
    return value


def organiser_keyboard(meeting_id: int, version: int, _) -> InlineKeyboardMarkup:  # noqa: ANN001
    """👥 answers · 🕘 reschedule · ❌ cancel, for the organiser's card."""
    return keyboard([[(_("👥 Answers"), cb(P, "who", meeting_id)), (_("🕘 Reschedule"), cb(P, "re", meeting_id)),
                      (_("❌ Cancel meeting"), cb(P, "cx", meeting_id, version))]])


def _row_text(r: MeetingRow, _, lang: str) -> list[str]:  # noqa: ANN001
    lines = [_("#{id} {when} {title} ({body})").format(id=r.id, when=format_when(r.start, True, lang), title=esc(r.title),
                                                      body=esc(r.body))]
    if r.rsvp is not None:
        checked = _(" · 📍 checked in") if r.checked_in else ""
        lines.append("   " + _("Your answer: {rsvp}").format(rsvp=_(RSVP[r.rsvp])) + checked)
    if r.organiser:
        lines.append("   " + _("Answers: {yes} attending, {no} excused, {waiting} not yet").format(
            yes=r.yes, no=r.no, waiting=r.waiting))
    if r.needs_minutes:
        lines.append("   " + _("📝 Minutes not sent yet"))
    return lines


def _row_buttons(r: MeetingRow, _) -> list[list[tuple[str, str]]]:  # noqa: ANN001
    rows = []
    if r.can_answer:
        rows.append([(_("✅ #{id} attend").format(id=r.id), cb(P, "yes", r.id, r.version)),
                     (_("🙏 #{id} excused").format(id=r.id), cb(P, "no", r.id, r.version))])
    if r.can_check_in and not r.checked_in:
        rows.append([(_("📍 #{id} check in").format(id=r.id), cb(P, "in", r.id))])
    if r.organiser and not r.needs_minutes:
        rows.append([(_("👥 #{id}").format(id=r.id), cb(P, "who", r.id)), (_("🕘 #{id}").format(id=r.id), cb(P, "re", r.id)),
                     (_("❌ #{id}").format(id=r.id), cb(P, "cx", r.id, r.version))])
    if r.needs_minutes:
        rows.append([(_("📝 #{id} minutes").format(id=r.id), cb(MINUTES_P, "min", r.id))])
    return rows


def _counts_text(counts: list[compliance.BodyCount], year: int, _) -> list[str]:  # noqa: ANN001
    """Each body's count this year, those behind first; long lists end with a summary."""
    if not counts:
        return []
    lines = ["", _("<b>Meetings held in {year}</b> (held / yearly minimum)").format(year=year)]
    ordered = sorted(counts, key=lambda c: (c.met, c.label))
    lines += [("✅ " if c.met else "⚠️ ") + _("{body}: {held} / {minimum}").format(
        body=esc(c.label), held=c.held, minimum=c.body.min_per_year) for c in ordered[:SHOW_BODIES]]
    if len(ordered) > SHOW_BODIES:
        lines.append(_("… {more} more; {met} of {total} bodies have met their minimum.").format(
            more=len(ordered) - SHOW_BODIES, met=sum(c.met for c in counts), total=len(counts)))
    return lines


async def cmd_meetings(update: Update, context: BotContext) -> None:
    """The person's coming meetings with their answer and buttons, and each body's count this year."""
    actor = await context.actor(update)
    _, lang, now = context._, context.lang, context.now()
    rows = await my_meetings(context.session, actor, now=now, tz=context.tz)
    lines, buttons = [_("<b>Your meetings</b>")], []
    for r in rows:
        lines += _row_text(r, _, lang)
        buttons += _row_buttons(r, _)
    if not rows:
        lines.append(_("No meetings coming up."))
    lines += _counts_text(await compliance.my_compliance(context.session, actor, now=now, tz=context.tz),
                          now.astimezone(context.tz).year, _)
    await update.effective_message.reply_text("\n".join(lines), reply_markup=keyboard(buttons) if buttons else None)


async def _rsvp(update: Update, context: BotContext, verb: str, args: list[str]) -> None:
    actor = await context.private_actor(update)
    _ = context._
    done = await meeting_attendance.answer_invitation(context.session, actor, record_id(args, 0), int_arg(args, 1), verb,
                                                      now=context.now())
    text = _("✅ You will attend «{title}». Thank you!") if done.rsvp == "yes" else _("🙏 Excused from «{title}».")
    if done.ask_reason:
        text += "\n" + _("Please send the reason in one message (e.g. 下乡检查).")
    await answer(update, text.format(title=esc(done.title)))


async def _answers(update: Update, context: BotContext, meeting_id: int) -> None:
    actor = await context.private_actor(update)
    _ = context._
    a = await meeting_attendance.list_answers(context.session, actor, meeting_id, tz=context.tz)
    lines = [_("<b>Answers for #{id} «{title}»</b>").format(id=a.meeting_id, title=esc(a.title)),
             _("{yes} attending, {no} excused, {waiting} not yet").format(yes=a.count("yes"), no=a.count("no"),
                                                                          waiting=a.count("none"))]
    for p in a.people:
        reason = _(" — {reason}").format(reason=esc(p.reason)) if p.reason else ""
        lines.append(f"{esc(p.name)}：{_(RSVP[p.rsvp])}{reason}" + (_(" · 📍 checked in") if p.checked_in else ""))
    await answer(update, "\n".join(lines))


async def cb_action(update: Update, context: BotContext) -> None:
    """Buttons on invitations, reminders, /meetings and the organiser's card (rights re-checked by the services)."""
    actor = await context.private_actor(update)
    _ = context._
    verb, args = parse_cb(update.callback_query.data, P)
    meeting_id, now, tz, s = record_id(args, 0), context.now(), context.tz, context.session
    if verb in ("yes", "no"):
        await _rsvp(update, context, verb, args)
    elif verb == "in":
        done = await meeting_attendance.check_in(s, actor, meeting_id, now=now, tz=tz)
        text = _("📍 Already checked in at {time}.") if done.already else _("📍 Checked in to «{title}» at {time}.")
        await answer(update, text.format(title=esc(done.title), time=done.at.strftime("%H:%M")))
    elif verb == "who":
        await _answers(update, context, meeting_id)
    elif verb == "re":
        from handlers import meetings as form
        from services import meetings

        await answer_query(update.callback_query)
        await form.show(update, context, await meetings.edit_meeting(s, actor, meeting_id, now=now, tz=tz))
    elif verb == "cx":
        await meeting_attendance.check_organiser(s, actor, meeting_id)
        v = int_arg(args, 1)
        await answer(update, _("Cancel meeting #{id}? Every invitee will be told.").format(id=meeting_id), keyboard([
            [(_("Yes, cancel it"), cb(P, "cxy", meeting_id, v)), (_("No, keep it"), cb(P, "keep", meeting_id))],
            [(_("Cancel it and the rest of its series"), cb(P, "cxs", meeting_id, v))]]))
    elif verb in ("cxy", "cxs"):
        await meeting_attendance.cancel_meeting(s, actor, meeting_id, int_arg(args, 1), now=now, tz=tz, series=verb == "cxs")
        await answer(update, _("❌ Meeting #{id} cancelled; every invitee has been told.").format(id=meeting_id), edit=True)
    elif verb == "keep":
        await answer(update, _("The meeting stays as it is."), edit=True)
    else:
        raise StaleButton()


async def on_reason(update: Update, context: BotContext, text: str) -> None:
    """The reason for 请假, typed after pressing it."""
    actor = await context.private_actor(update)
    done = await meeting_attendance.give_reason(context.session, actor, text, now=context.now())
    await update.effective_message.reply_text(context._("Reason noted for «{title}».").format(title=esc(done.title)))


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("meetings", cmd_meetings, filters=filters.UpdateType.MESSAGE),
        CallbackQueryHandler(cb_action, pattern=rf"^{P}:"),
    ]
