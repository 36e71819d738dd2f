"""Whole numbers as people type them: 45, ４５, 四十五, 两百 (Chinese numerals read by cn2an)."""

from __future__ import annotations

import re
import unicodedata

CN_DIGITS = "零〇一二三四五六七八九十百千万两壹贰叁肆伍陆柒捌玖拾佰仟"
CN_NUMBER = f"[{CN_DIGITS}]+"
_INT = re.compile(r"^\d+$")


def to_int(text: str) -> int | None:
    """A non-negative whole number from Arabic or Chinese numerals; None when it is not one."""
    s = unicodedata.normalize("NFKC", text or "").strip().replace(",", "")
    if _INT.match(s):
        return int(s)
    if s and all(ch in CN_DIGITS for ch in s):
        import cn2an  # imported on first Chinese numeral: it is slow to import

        try:
            value = cn2an.cn2an(s, "smart")
        except (ValueError, KeyError, IndexError):
            return None
        return int(value) if float(value).is_integer() and value >= 0 else None
    return None
