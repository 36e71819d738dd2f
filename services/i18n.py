"""Languages and gettext catalogues: Chinese first, English second."""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path
from typing import Callable

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"
ZH = "zh_CN"
EN = "en"

Translate = Callable[[str], str]


def lang_for(language_code: str | None) -> str:
    """Telegram's zh-hans / zh-CN / zh map to zh_CN, en* to en, anything else (or nothing) to zh_CN."""
    code = (language_code or "").lower()
    if code.startswith("en"):
        return EN
    return ZH


@lru_cache(maxsize=8)
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue for `lang`; English is the msgid language, so it needs none."""
    if lang == EN:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[lang], fallback=True)


def translator(lang: str) -> Translate:
    """A `_` function for `lang`."""
    return translations(lang).gettext
