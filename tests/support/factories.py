"""Small builders for test data: the sample roster loaded through the real roster service."""

from __future__ import annotations

from pathlib import Path

from bot.runtime import Runtime
from services.roster import apply_roster
from services.roster_file import parse_roster

DATA = Path(__file__).resolve().parents[1] / "data"
COORDINATOR = "13800000001"
LEADER = "13800000003"
TOWN_STAFF = "13800000011"
LIAISON = "13800138000"  # 曲亮 of 古城村 (T1V1)
LIAISON2 = "13800000013"  # 钱联络 of 鲁家村 (T1V2)
OTHER_TOWN_LIAISON = "13800000022"


async def load_roster(rt: Runtime, name: str = "roster.csv") -> None:
    """Apply the sample roster, dated a month before the test clock."""
    from datetime import timedelta

    now = rt.clock()
    async with rt.db.begin() as session:
        await apply_roster(session, parse_roster((DATA / name).read_bytes(), name), now=now,
                           today=(now - timedelta(days=60)).astimezone(rt.settings.tz).date(), actor_id=None)


async def signed_in(person_factory, rt: Runtime, user_id: int, phone: str, **kw):  # noqa: ANN001
    """A Person who has shared their contact and is bound to the roster entry with `phone`."""
    p = person_factory(user_id, **kw)
    await p.share_contact(phone)
    return p
