"""Plain-text renderings for the command line."""

from __future__ import annotations

from services.i18n import translator
from services.roster import RosterDiff
from services.roster_file import RowError

_ = translator("en")


def roster_diff_lines(diff: RosterDiff) -> list[str]:
    """added / changed / deactivated, every item, one per line."""
    if diff.empty:
        return ["no changes: the roster is already up to date"]
    lines = [f"added: {len(diff.added)}, changed: {len(diff.changed)}, deactivated: {len(diff.deactivated)}"]
    for title, items in (("added", diff.added), ("changed", diff.changed), ("deactivated", diff.deactivated)):
        for c in items:
            detail = "; ".join(f"{f}: {b!s} -> {a!s}" for f, b, a in c.fields) if title == "changed" else ""
            lines.append(f"  {title:<11} {c.kind:<6} {c.key:<14} {c.label}" + (f"  ({detail})" if detail else ""))
    return lines


def roster_error_lines(errors: tuple[RowError, ...]) -> list[str]:
    return [(f"row {e.row}: " if e.row else "file: ") + _(e.message).format(**e.params) for e in errors]
