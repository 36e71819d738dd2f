"""Display names of roles and levels (English msgids, translated per person)."""

from __future__ import annotations

from services.errors import N_
from services.i18n import Translate

ROLE_LABELS = {
    "liaison": N_("liaison"),
    "school_staff": N_("school staff"),
    "coordinator": N_("coordinator"),
    "leader": N_("leader"),
    "admin": N_("admin"),
}
LEVEL_LABELS = {
    "county": N_("county"),
    "college": N_("community college"),
    "town": N_("town"),
    "village": N_("village"),
    "department": N_("department"),
}


def roles_text(roles: frozenset[str], _: Translate) -> str:
    order = list(ROLE_LABELS)
    names = [_(ROLE_LABELS[r]) for r in sorted(roles, key=order.index)]
    return "、".join(names) if names else _("no role")
