"""The digest chart: Chinese labels render from the bundled font (no missing-glyph warnings), PNG out."""

from __future__ import annotations

import warnings

import pytest

from services import charts
from tests.support.digest_fixture import make_digest


def test_chart_renders_chinese_labels_without_missing_glyphs():
    assert charts.font_path() is not None and charts.font_path().stat().st_size > 1_000_000
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = charts.render_week_chart(make_digest(6))
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert [str(w.message) for w in caught if "missing" in str(w.message).lower() or "glyph" in str(w.message).lower()] == []


def test_without_a_cjk_font_the_same_chart_would_miss_glyphs():
    """The control: matplotlib's own font has no Chinese, so the check above would catch a missing font."""
    with pytest.warns(UserWarning, match=r"[Gg]lyph .* missing from font"):
        charts.render_week_chart(make_digest(2), family="DejaVu Sans")


def test_many_towns_are_cut_to_the_busiest_and_the_rest(monkeypatch):
    rows = []
    original = charts._bars

    def spy(digest, other):  # noqa: ANN001, ANN202
        rows.extend(original(digest, other))
        return rows

    monkeypatch.setattr(charts, "_bars", spy)
    assert charts.render_week_chart(make_digest(40)) is not None
    assert len(rows) == charts.MAX_BARS and rows[-1].name.startswith("其他") and rows[-1].name.endswith("个")


def test_no_font_package_means_no_chart_not_a_crash(monkeypatch):
    monkeypatch.setattr(charts, "font_path", lambda: None)
    charts._font_family.cache_clear()
    try:
        assert charts.render_week_chart(make_digest(3)) is None
    finally:
        charts._font_family.cache_clear()


def test_nothing_to_draw_gives_no_chart():
    assert charts.render_week_chart(make_digest(0)) is None
