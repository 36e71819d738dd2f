"""The unit hierarchy loaded once per report: subtrees, the row each unit counts under, populations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, or_, select, union
from sqlalchemy.orm import aliased
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

    def height(self, unit_id: int | None) -> int:
        """How many levels lie below the unit (below a virtual root over every root when None)."""
        level, height = (self.roots if unit_id is None else self.children.get(unit_id, [])), 0
        while level:
            height += 1
            level = [c for uid in level for c in self.children.get(uid, [])]
        return height

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
    return Tree({r[0]: Node(*r) for r in rows})


def in_filter(column, ids: set[int] | None):  # noqa: ANN001, ANN201
    """`column IN ids` when the list is short; None (filter afterwards in Python) when long or everything."""
    if ids is None or len(ids) > SQL_IN_LIMIT:
        return None
    return column.in_(sorted(ids))


def row_of_column(scope: int | None, height: int):  # noqa: ANN201
    """(units aliased, [parent aliases], expression): the row a unit counts under, as `Tree.rows_of` maps it —
    the scope's child on its path, or the scope itself for its own entries; NULL outside the scope. `height`
    (`Tree.height(scope)`) says how many parent joins reach the row: one less than the levels below the scope."""
    unit = aliased(Unit)
    chain = [unit] + [aliased(Unit) for _ in range(max(height - 1, 0))]
    top = (lambda a: a.parent_id.is_(None)) if scope is None else (lambda a: a.parent_id == scope)
    whens = [] if scope is None else [(unit.id == scope, unit.id)]
    whens += [(top(a), a.id) for a in chain]
    return chain, case(*whens, else_=None)


def rows_cte(scope: int | None):  # noqa: ANN201
    """(id, row_id) in SQL: every unit of the scope's subtree (every unit when None) and the row it counts under,
    as `Tree.rows_of` maps them — the scope's child on its path, or the scope itself for its own entries."""
    child = aliased(Unit)
    start = Unit.parent_id.is_(None) if scope is None else or_(Unit.id == scope, Unit.parent_id == scope)
    rows = select(Unit.id.label("id"), Unit.id.label("row_id")).where(start).cte("unit_rows", recursive=True)
    step = select(child.id, rows.c.row_id).where(child.parent_id == rows.c.id)
    if scope is not None:
        step = step.where(rows.c.id != scope)  # the scope's children are already there, under themselves
    return rows.union_all(step)


@dataclass(frozen=True)
class Scope:
    """The units a report covers: the scope unit (None: every root) and its subtree's ids (None: every unit)."""

    unit_id: int | None
    ids: set[int] | None

    def filter(self, column):  # noqa: ANN001, ANN201
        """`column` restricted to the subtree in SQL (a short IN list, else the subtree as a recursive CTE);
        None when the scope is every unit."""
        if self.ids is None:
            return None
        if len(self.ids) <= SQL_IN_LIMIT:
            return column.in_(sorted(self.ids))
        return column.in_(select(rows_cte(self.unit_id).c.id))


async def load_scope_tree(session: AsyncSession, unit_id: int | None) -> Tree:
    """The unit tree a report on `unit_id` needs: every unit when None, else the unit's subtree and its
    ancestors (for names, the county and populations) — a few hundred rows instead of the whole province."""
    if unit_id is None:
        return await load_tree(session)
    down = select(Unit.id.label("id")).where(Unit.id == unit_id).cte("scope_down", recursive=True)
    below = aliased(Unit)
    down = down.union_all(select(below.id).where(below.parent_id == down.c.id))
    up = select(Unit.id.label("id"), Unit.parent_id.label("parent_id")).where(Unit.id == unit_id).cte(
        "scope_up", recursive=True)
    above = aliased(Unit)
    up = up.union_all(select(above.id, above.parent_id).where(above.id == up.c.parent_id))
    wanted = union(select(down.c.id), select(up.c.id)).subquery()
    rows = await session.execute(
        select(Unit.id, Unit.parent_id, Unit.name, Unit.level, Unit.population, Unit.active, Unit.created_at)
        .where(Unit.id.in_(select(wanted.c.id))))
    return Tree({r[0]: Node(*r) for r in rows})
