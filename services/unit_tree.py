"""The unit hierarchy loaded once per report: subtrees, the row each unit counts under, populations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Unit

SQL_IN_LIMIT = 900  # beyond this many ids, filter rows in Python instead of a long IN (…) list


@dataclass(frozen=True)
class Node:
    id: int
    parent_id: int | None
    name: str
    level: str
    population: int | None
    active: bool
    created_at: datetime


@dataclass
class Tree:
    """Every unit by id, with children lists; a few hundred to ten thousand rows."""

    nodes: dict[int, Node]
    children: dict[int | None, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for node in sorted(self.nodes.values(), key=lambda n: n.id):
            self.children.setdefault(node.parent_id if node.parent_id in self.nodes else None, []).append(node.id)

    @property
    def roots(self) -> list[int]:
        return self.children.get(None, [])

    def subtree(self, unit_id: int | None) -> set[int]:
        """The unit and everything under it (every unit when None)."""
        if unit_id is None:
            return set(self.nodes)
        out, stack = set(), [unit_id]
        while stack:
            uid = stack.pop()
            if uid in out or uid not in self.nodes:
                continue
            out.add(uid)
            stack.extend(self.children.get(uid, []))
        return out

    def rows_of(self, unit_id: int | None) -> dict[int, int]:
        """Each unit of the subtree mapped to the row it is counted under: the scope's child on its path
        (a town under a county), or the scope itself for what it logged directly."""
        top = self.roots if unit_id is None else self.children.get(unit_id, [])
        out: dict[int, int] = {} if unit_id is None else {unit_id: unit_id}
        for row in top:
            for uid in self.subtree(row):
                out[uid] = row
        return out

    def population(self, unit_id: int | None) -> int:
        """Residents of the unit: its own figure, else the sum of its children's (0 when nobody recorded any)."""
        if unit_id is None:
            return sum(self.population(r) for r in self.roots)
        node = self.nodes.get(unit_id)
        if node is None:
            return 0
        if node.population:
            return node.population
        return sum(self.population(c) for c in self.children.get(unit_id, []))

    def county_of(self, unit_id: int) -> int | None:
        """The nearest county-level ancestor (or the unit itself)."""
        uid: int | None = unit_id
        while uid is not None and uid in self.nodes:
            if self.nodes[uid].level == "county":
                return uid
            uid = self.nodes[uid].parent_id
        return None

    def name(self, unit_id: int | None, fallback: str = "") -> str:
        if unit_id is None:
            return self.nodes[self.roots[0]].name if len(self.roots) == 1 else fallback
        return self.nodes[unit_id].name if unit_id in self.nodes else fallback


async def load_tree(session: AsyncSession) -> Tree:
    rows = await session.execute(select(Unit.id, Unit.parent_id, Unit.name, Unit.level, Unit.population, Unit.active,
                                        Unit.created_at))
    return Tree({r.id: Node(*r) for r in rows})


def in_filter(column, ids: set[int] | None):  # noqa: ANN001, ANN201
    """`column IN ids` when the list is short; None (filter afterwards in Python) when long or everything."""
    if ids is None or len(ids) > SQL_IN_LIMIT:
        return None
    return column.in_(sorted(ids))
