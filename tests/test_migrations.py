"""Migrations: every revision upgrades, downgrades and upgrades again (the stairway), and the models
match the migrations (no drift), on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.db import migrate
from bot.db.engine import create_engine
from bot.db.models import Base
from tests.conftest import TEST_DATABASE_URL


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'stairway.db'}"
    if not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL to run these")
    engine = create_engine(TEST_DATABASE_URL)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    return TEST_DATABASE_URL


async def test_stairway(empty_database: str) -> None:
    """upgrade → downgrade → upgrade, one revision at a time."""
    engine = create_engine(empty_database)
    try:
        previous = "base"
        for revision in revisions():
            await migrate.upgrade(engine, revision)
            await migrate.downgrade(engine, previous)
            await migrate.upgrade(engine, revision)
            previous = revision
    finally:
        await engine.dispose()


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_models_and_migrations_agree(empty_database: str) -> None:
    """What `alembic check` checks: the migrated schema is exactly the models'."""
    engine = create_engine(empty_database)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
    finally:
        await engine.dispose()
