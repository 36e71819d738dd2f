"""The digest's chart: activities and participants per town for the week, as a PNG with Chinese labels.

matplotlib (the `charts` extra) is imported only when a chart is drawn, and the CJK font comes from a
Python package (WenQuanYi Micro Hei), loaded by path, so labels render on a machine without system fonts.
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache
from importlib import resources
from pathlib import Path

from services.digest import Digest, Row
from services.i18n import translator
from services.report_queries import Figures
from services.report_format import num, span

log = logging.getLogger(__name__)
FONT_PACKAGE, FONT_FILE = "paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc"
MAX_BARS = 15


def font_path() -> Path | None:
    """The bundled CJK font file, or None when the font package is not installed."""
    try:
        path = Path(str(resources.files(FONT_PACKAGE).joinpath(FONT_FILE)))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def _font_family() -> str | None:
    path = font_path()
    if path is None:
        return None
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _bars(digest: Digest, other: str) -> list[Row]:
    rows = [r for r in digest.rows if r.week.activities] or list(digest.rows)
    if len(rows) <= MAX_BARS:
        return rows
    head, tail = rows[: MAX_BARS - 1], rows[MAX_BARS - 1:]
    rest = Row(other.format(n=len(tail)), sum((r.week for r in tail), Figures()), Figures())
    return [*head, rest]


def render_week_chart(digest: Digest, lang: str = "zh_CN", *, family: str | None = None) -> bytes | None:
    """PNG bytes of the week's chart; None when there is nothing to draw or charts are not installed."""
    _ = translator(lang)
    rows = _bars(digest, _("{n} others"))
    if not rows:
        return None
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        log.warning("matplotlib or its font is missing (reinstall the project): the digest goes without its chart")
        return None
    family = family or _font_family()
    if family is None:
        log.warning("the CJK font package is not installed: the digest goes without its chart")
        return None
    names = [r.name + (_(" (own)") if r.own else "") for r in rows][::-1]
    with matplotlib.rc_context({"font.family": [family], "axes.unicode_minus": False}):
        fig = Figure(figsize=(9, 1.6 + 0.42 * len(rows)), dpi=110, layout="constrained")
        FigureCanvasAgg(fig)
        left, right = fig.subplots(1, 2, sharey=True)
        for ax, values, label, colour in (
            (left, [r.week.activities for r in rows][::-1], _("Activities"), "#3b7dd8"),
            (right, [r.week.participants for r in rows][::-1], _("Participants (person-times)"), "#e3873a"),
        ):
            bars = ax.barh(names, values, color=colour)
            ax.bar_label(bars, labels=[num(v, lang) for v in values], padding=3, fontsize=9)
            ax.set_title(label, fontsize=11)
            ax.margins(x=0.18)
            ax.tick_params(axis="x", labelsize=8)
            ax.spines[["top", "right"]].set_visible(False)
        fig.suptitle(_("{scope}, week {n} ({span})").format(
            scope=digest.scope_name, n=int(digest.week[-2:]), span=span(digest.start, digest.end, lang)), fontsize=13)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return buf.getvalue()
