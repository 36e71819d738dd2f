"""Migrations: upgrade from an empty database to head, and the models match the migrations (no drift)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from storage.db import Database
from storage.migrate import alembic_config, upgrade
from storage.models import Base


async def test_upgrade_from_empty_creates_every_table(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    await upgrade(url)
    db = Database(url)
    async with db.engine.connect() as conn:
        tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        head = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    await db.dispose()
    assert set(Base.metadata.tables) <= tables
    assert head == ScriptDirectory.from_config(alembic_config(url)).get_current_head()


async def test_models_and_migrations_do_not_drift(db_url):
    db = Database(db_url)

    def diff(conn):  # noqa: ANN001
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)

    async with db.engine.connect() as conn:
        changes = await conn.run_sync(diff)
    await db.dispose()
    assert changes == [], changes


def test_single_head():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads


@pytest.mark.parametrize("sql", ["PRAGMA journal_mode", "PRAGMA busy_timeout", "PRAGMA foreign_keys"])
async def test_sqlite_runs_in_wal_with_busy_timeout_and_foreign_keys(tmp_path, sql):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    async with db.begin() as s:
        value = (await s.execute(text(sql))).scalar_one()
    await db.dispose()
    assert str(value).lower() in {"wal", "30000", "1"}
