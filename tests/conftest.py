"""Fixtures: real SQLite files (and a real PostgreSQL when TEST_DATABASE_URL is set), a fake clock,
a real PTB Application per test with the fake Bot API, and people to chat as."""

from __future__ import annotations

import os

os.environ.setdefault("PTB_TIMEDELTA", "true")  # before telegram is imported

import os
import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bot.app import build_application
from bot.config import Settings
from bot.runtime import Runtime
from storage.db import Database
from storage.migrate import upgrade_sync
from storage.models import Base
from tests.support.sim import FakeClock, FakeTelegram, Person

TZ = ZoneInfo("Asia/Shanghai")
DATA = Path(__file__).parent / "data"
PG_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In CI a PostgreSQL test never silently skips: without TEST_DATABASE_URL the run fails."""
    if os.environ.get("CI") and not PG_URL and any("postgresql" in item.name for item in items):
        raise pytest.UsageError("CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests cannot be skipped in CI")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for every test (migrating once keeps the suite fast)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL not set (PostgreSQL tests run in CI)")
    from bot.config import normalise_db_url

    url = normalise_db_url(PG_URL)
    import asyncio

    async def reset() -> None:
        db = Database(url)
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await db.dispose()

    asyncio.run(reset())
    upgrade_sync(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh database for one test (SQLite by default; `backend` parametrises PostgreSQL too)."""
    return _db_url(request.param, tmp_path, sqlite_template, request)


def _db_url(kind: str, tmp_path: Path, template: Path, request: pytest.FixtureRequest) -> str:
    if kind == "sqlite":
        path = tmp_path / "bot.db"
        shutil.copy(template, path)
        return f"sqlite+aiosqlite:///{path}"
    return request.getfixturevalue("pg_migrated")


async def _truncate(db: Database) -> None:
    if db.dialect != "postgresql":
        return
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    async with db.engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 24, 10, 0, tzinfo=TZ))


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(_env_file=None, database_url=db_url, data_dir=str(tmp_path / "files"), bot_token=None)


@pytest.fixture
async def rt(settings: Settings, clock: FakeClock) -> AsyncIterator[Runtime]:
    db = Database(settings.database_url)
    await _truncate(db)
    yield Runtime(settings=settings, db=db, clock=clock)
    await _truncate(db)
    await db.dispose()


@pytest.fixture
def api() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
async def app(rt: Runtime, api: FakeTelegram):
    application = build_application(rt, request=api, rate_limit=False)
    async with application:
        yield application
    assert not api.unexpected, f"unexpected Bot API calls: {api.unexpected}"


@pytest.fixture
def person(app, rt: Runtime, api: FakeTelegram):
    """A factory: person(user_id, language_code=...) chats with the bot."""

    def make(user_id: int, **kw) -> Person:
        return Person(app, rt, api, user_id, **kw)

    return make
