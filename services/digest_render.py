"""The digest as text: sections of lines, written as Telegram HTML or robot markdown, split to fit each limit."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from services.digest import MINORS_TARGET, QUIET_DAYS, REACH_TARGET, Digest, Row
from services.i18n import translator
from services.money import format_fen
from services.report_format import day, delta, hours, num, pct, short, span, when

HTML_LIMIT = 3500  # characters; Telegram allows 4096
SHOW_BEHIND = 10
SHOW_QUIET_PER_GROUP = 10
SHOW_QUIET_GROUPS = 30
SHOW_MEETINGS = 15
_MD = str.maketrans({"*": "＊", "_": "＿", "`": "｀", "[": "［", "]": "］", "<": "＜", ">": "＞", "#": "＃"})


@dataclass(frozen=True)
class Style:
    """How one channel writes text: escaping of names, bold titles, and how size is measured."""

    esc: Callable[[str], str]
    bold: Callable[[str], str]
    size: Callable[[str], int]
    limit: int


HTML = Style(lambda s: html.escape(short(s), quote=False), lambda s: f"<b>{s}</b>", len, HTML_LIMIT)


def markdown_style(limit_bytes: int, line_break: str = "\n") -> Style:
    """Robot markdown (WeCom, DingTalk, Feishu): ** for bold, markup characters in names made harmless; sizes in
    bytes as sent, with each line break written as `line_break`."""
    extra = len(line_break.encode()) - 1
    return Style(lambda s: short(s).translate(_MD), lambda s: f"**{s}**", lambda s: len(s.encode()) + extra * s.count("\n"),
                 limit_bytes)


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...]


def _figure_line(_, lang: str, r: Row, st: Style) -> str:  # noqa: ANN001
    name = st.esc(r.name) + (_(" (own entries)") if r.own else "")
    return _("· {name}: activities {n} ({dn}), participants {p} ({dp}), minors {m}, hours {h}").format(
        name=name, n=num(r.week.activities, lang), dn=delta(r.week.activities, r.prev.activities, lang),
        p=num(r.week.participants, lang), dp=delta(r.week.participants, r.prev.participants, lang),
        m=num(r.week.minors, lang), h=hours(r.week.minutes, lang))


def _week(d: Digest, _, lang: str, st: Style) -> list[Section]:  # noqa: ANN001
    t, p = d.total, d.prev_total
    lines = [_("Activities {n} ({dn}), participants {p} ({dp}), of them minors {m}, hours {h}.").format(
        n=num(t.activities, lang), dn=delta(t.activities, p.activities, lang), p=num(t.participants, lang),
        dp=delta(t.participants, p.participants, lang), m=num(t.minors, lang), h=hours(t.minutes, lang)),
        _("(Brackets: change against the week before; participants are person-times.)")]
    by_unit = _("By village") if d.scope_level == "town" else _("By town")
    out = [Section(_("1. Last week"), tuple(lines))]
    if d.rows:
        out.append(Section(by_unit, tuple(_figure_line(_, lang, r, st) for r in d.rows)))
    if d.categories:
        out.append(Section(_("By category"), tuple(_figure_line(_, lang, r, st) for r in d.categories)))
    return out


def _year(d: Digest, _, lang: str, st: Style) -> Section:  # noqa: ANN001
    y = d.year_total
    lines = [_("Activities {n}, participants {p}, of them minors {m}, hours {h}.").format(
        n=num(y.activities, lang), p=num(y.participants, lang), m=num(y.minors, lang), h=hours(y.minutes, lang))]
    if d.population:
        lines.append(_("Residents reached: {p} person-times for {pop} residents = {share} (target ≥ {target}). "
                       "Counted in person-times: someone who came twice counts twice.").format(
            p=num(y.participants, lang), pop=num(d.population, lang), share=pct(d.reach_share, lang),
            target=pct(REACH_TARGET, lang, 0)))
    else:
        lines.append(_("Residents reached: no resident population is recorded, so no share can be given."))
    lines.append(_("Minors' share of participants: {share} (target ≥ {target}).").format(
        share=pct(d.minors_share, lang), target=pct(MINORS_TARGET, lang, 0)))
    m = d.money
    lines.append(_("Budget: allocated {a} ({per} per resident, plus extras); approved {b}; disbursed {c}; settled {s}.").format(
        a=format_fen(m.allocated, lang), per=format_fen(d.per_resident_fen, lang), b=format_fen(m.approved, lang),
        c=format_fen(m.disbursed, lang), s=format_fen(m.settled, lang)))
    behind = [b for b in d.bodies if b.held < b.minimum]
    lines.append(_("Meetings held (minutes recorded): {n}; bodies at their yearly minimum: {ok} of {total}.").format(
        n=num(d.meetings_held, lang), ok=num(len(d.bodies) - len(behind), lang), total=num(len(d.bodies), lang)))
    for b in behind[:SHOW_BEHIND]:
        lines.append(_("· {unit} {body}: {held} of {minimum}").format(
            unit=st.esc(b.unit), body=st.esc(b.name), held=b.held, minimum=b.minimum))
    if len(behind) > SHOW_BEHIND:
        lines.append(_("… and {n} more bodies below their minimum").format(n=num(len(behind) - SHOW_BEHIND, lang)))
    title = _("2. This year so far ({span})").format(span=span(d.year_until.replace(month=1, day=1), d.year_until, lang))
    return Section(title, tuple(lines))


def _attention(d: Digest, _, lang: str, st: Style) -> Section:  # noqa: ANN001
    w = d.waiting
    if w.count:
        lines = [_("Funding requests waiting for a decision: {n}, {amount} in all. Oldest: {unit} «{title}», "
                   "submitted {since}, waiting {days} days.").format(
            n=num(w.count, lang), amount=format_fen(w.amount_fen, lang), unit=st.esc(w.oldest_unit),
            title=st.esc(w.oldest_title), since=day(w.oldest_since, lang), days=num(w.oldest_days, lang))]
    else:
        lines = [_("No funding request is waiting for a decision.")]
    quiet_span = span(d.end - timedelta(days=QUIET_DAYS - 1), d.end, lang)
    if d.quiet_count:
        lines.append(_("Units with no activity in the {days} days {span}: {n}").format(
            days=QUIET_DAYS, span=quiet_span, n=num(d.quiet_count, lang)))
        for g in d.quiet[:SHOW_QUIET_GROUPS]:
            names = "、".join(st.esc(u) for u in g.units[:SHOW_QUIET_PER_GROUP])
            more = _(" and {n} more").format(n=len(g.units) - SHOW_QUIET_PER_GROUP) if len(g.units) > SHOW_QUIET_PER_GROUP else ""
            lines.append(_("· {parent}: {names}{more}").format(parent=st.esc(g.parent), names=names, more=more))
        if len(d.quiet) > SHOW_QUIET_GROUPS:
            lines.append(_("… and {n} more units elsewhere").format(
                n=num(sum(len(g.units) for g in d.quiet[SHOW_QUIET_GROUPS:]), lang)))
    else:
        lines.append(_("Every unit logged an activity in the {days} days {span}.").format(days=QUIET_DAYS, span=quiet_span))
    return Section(_("3. Needs attention"), tuple(lines))


def _meetings(d: Digest, _, lang: str, st: Style) -> Section:  # noqa: ANN001
    lines = []
    for m in d.upcoming[:SHOW_MEETINGS]:
        place = _(" ({place})").format(place=st.esc(m.place)) if m.place else ""
        lines.append(_("· {when} {unit} {body}: {title}{place}").format(
            when=when(m.at, lang), unit=st.esc(m.unit), body=st.esc(m.body), title=st.esc(m.title), place=place))
    if len(d.upcoming) > SHOW_MEETINGS:
        lines.append(_("… and {n} more meetings").format(n=len(d.upcoming) - SHOW_MEETINGS))
    return Section(_("4. Meetings {span}").format(span=span(d.next_start, d.next_end, lang)),
                   tuple(lines) or (_("None scheduled."),))


def sections(d: Digest, lang: str, st: Style) -> tuple[tuple[str, str], list[Section]]:
    """The heading (title, week line) and the sections of the digest, in order."""
    _ = translator(lang)
    heading = (_("📊 Weekly digest: {scope}").format(scope=st.esc(d.scope_name)), _(
        "Week {n} of {year} ({span})").format(n=int(d.week[-2:]), year=int(d.week[:4]), span=span(d.start, d.end, lang)))
    return heading, [*_week(d, _, lang, st), _year(d, _, lang, st), _attention(d, _, lang, st), _meetings(d, _, lang, st)]


def _blocks(sec: Section, st: Style, room: int) -> list[str]:
    """A section as one block, or several (title repeated) when it does not fit in `room`."""
    out, cur = [], st.bold(sec.title)
    for line in sec.lines:
        line = line if st.size(line) < room // 2 else line[: room // 6] + "…"
        if st.size(cur + "\n" + line) > room:
            out.append(cur)
            cur = st.bold(sec.title) + "\n" + line
        else:
            cur += "\n" + line
    return out + [cur]


def render(d: Digest, lang: str, st: Style) -> list[str]:
    """The whole digest in `st`, split between sections (or between lines of a long one) to fit its limit."""
    heading, secs = sections(d, lang, st)
    room = st.limit - 120  # space for the "(2/3)" marker line
    parts: list[str] = []
    cur = st.bold(heading[0]) + "\n" + heading[1]
    for sec in secs:
        for block in _blocks(sec, st, room):
            if st.size(cur + "\n\n" + block) > room:
                parts.append(cur)
                cur = block
            else:
                cur += "\n\n" + block
    parts.append(cur)
    if len(parts) > 1:
        _ = translator(lang)
        parts = [p if i == 0 else st.bold(_("{scope}, week {week} (continued {i}/{n})").format(
            scope=st.esc(d.scope_name), week=d.week, i=i + 1, n=len(parts))) + "\n" + p for i, p in enumerate(parts)]
    return parts


def render_html(d: Digest, lang: str = "zh_CN") -> list[str]:
    return render(d, lang, HTML)
