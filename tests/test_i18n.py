"""The zh_CN catalogue: every message translated, placeholders intact, catalogue fresh and compiled."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from services.i18n import lang_for, translator

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale/zh_CN/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")


def _catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="zh_CN")


def test_every_message_is_translated_with_the_same_placeholders():
    missing, broken = [], []
    for m in _catalog():
        if not m.id:
            continue
        if not m.string or m.fuzzy:
            missing.append(m.id)
        elif sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string)):
            broken.append(m.id)
    assert not missing, f"untranslated: {missing}"
    assert not broken, f"placeholders differ: {broken}"


def test_catalogue_holds_every_message_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-k", "N_", "--no-location",
                    "--omit-header", "-o", str(pot), "bot", "handlers", "services"], cwd=ROOT, check=True,
                   capture_output=True)
    with pot.open("rb") as f:
        in_code = {m.id for m in read_po(f) if m.id}
    in_po = {m.id for m in _catalog() if m.id}
    assert not in_code - in_po, f"run `python3 dev.py i18n` and translate: {sorted(in_code - in_po)}"
    assert not in_po - in_code, f"stale entries: {sorted(in_po - in_code)}"


def test_compiled_catalogue_matches_the_po():
    with MO.open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    source = {m.id: m.string for m in _catalog() if m.id and m.string and not m.fuzzy}
    assert compiled == source, "run `python3 dev.py i18n` to recompile the .mo"


@pytest.mark.parametrize("code, lang", [("zh-hans", "zh_CN"), ("zh-CN", "zh_CN"), ("zh", "zh_CN"), ("en", "en"),
                                        ("en-GB", "en"), ("fr", "zh_CN"), (None, "zh_CN")])
def test_telegram_language_codes_map_to_catalogues(code, lang):
    assert lang_for(code) == lang


def test_chinese_and_english_render():
    assert translator("zh_CN")("✅ Confirm") == "✅ 确认"
    assert translator("en")("✅ Confirm") == "✅ Confirm"
