"""SQLite's driver: aiosqlite with one thread hop per statement (bot/db/sqlite_onehop.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

from bot.db.engine import READ_ONLY, create_engine
from bot.db.sqlite_onehop import DRIVER, in_transaction


async def test_statements_rows_counts_and_errors(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}")
    try:
        assert engine.dialect.driver == DRIVER
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
            inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
            assert inserted.lastrowid == 1 and inserted.rowcount == 1
            many = await conn.execute(
                text("INSERT INTO t (name) VALUES (:name)"), [{"name": "b"}, {"name": "c"}]
            )
            assert many.rowcount == 2
            returned = await conn.execute(text("INSERT INTO t (name) VALUES ('d') RETURNING id, name"))
            assert returned.all() == [(4, "d")]
            updated = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 2"))
            assert updated.rowcount == 2
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT id, name FROM t ORDER BY id"))
            assert list(rows.keys()) == ["id", "name"]
            assert rows.all() == [(1, "a"), (2, "b"), (3, "c!"), (4, "d!")]
            assert (await conn.execute(text("SELECT name FROM t WHERE id = 99"))).first() is None
            with pytest.raises(IntegrityError):
                await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
    finally:
        await engine.dispose()


async def test_one_hop_per_statement(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}")
    try:
        async with engine.connect() as conn:
            raw: Any = (await conn.get_raw_connection()).driver_connection
            hops: list[Any] = []
            original = raw._execute

            async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
                hops.append(fn)
                return await original(fn, *args, **kwargs)

            raw._execute = counted
            await conn.execute(text("SELECT 0"))  # after the transaction's BEGIN IMMEDIATE
            hops.clear()
            await conn.execute(text("SELECT 1, 2"))
            await conn.execute(text("SELECT 3"))
            assert len(hops) == 2  # SQLAlchemy's own adapter makes four per statement
    finally:
        await engine.dispose()


async def test_a_read_only_transaction_blocks_no_writer(tmp_path: Path) -> None:
    """An export reads in a READ_ONLY transaction: a bot process writing to the same file meanwhile
    commits at once (before, the export's BEGIN IMMEDIATE made it wait, then fail, "database is locked")."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    exporter, bot = create_engine(url), create_engine(url)
    try:
        async with bot.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"))
            await conn.execute(text("INSERT INTO t (name) VALUES ('before')"))
        async with exporter.connect() as reading:
            reading = await reading.execution_options(**READ_ONLY)
            async with reading.begin():
                assert (await reading.execute(text("SELECT count(*) FROM t"))).scalar() == 1
                async with bot.begin() as writing:  # "database is locked" if the reader held the lock
                    await writing.execute(text("INSERT INTO t (name) VALUES ('during')"))
                assert (await reading.execute(text("SELECT count(*) FROM t"))).scalar() == 1  # its snapshot
        async with exporter.connect() as streaming:
            streaming = await streaming.execution_options(**READ_ONLY)
            async with streaming.begin():  # an export streams with a server-side cursor: BEGIN comes first
                rows = await streaming.stream(text("SELECT name FROM t ORDER BY id"))
                assert [row.name async for row in rows] == ["before", "during"]
                async with bot.begin() as writing:
                    await writing.execute(text("INSERT INTO t (name) VALUES ('while streaming')"))
                assert (await streaming.execute(text("SELECT count(*) FROM t"))).scalar() == 2
        async with exporter.connect() as after:
            assert (await after.execute(text("SELECT count(*) FROM t"))).scalar() == 3
    finally:
        await exporter.dispose()
        await bot.dispose()


def _count_hops(engine: Any) -> list[str]:
    """The calls into aiosqlite's thread, by name, of every connection the engine opens from now on."""
    hops: list[str] = []

    def wrap(dbapi_connection: Any, _record: Any) -> None:
        raw = dbapi_connection.driver_connection
        original = raw._execute

        async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
            hops.append(getattr(fn, "__name__", repr(fn)))
            return await original(fn, *args, **kwargs)

        raw._execute = counted

    event.listen(engine.sync_engine, "connect", wrap)
    return hops


async def test_a_transaction_costs_its_statements_and_its_commit_and_nothing_more(tmp_path: Path) -> None:
    """BEGIN IMMEDIATE rides along with the first statement, and the pool does not roll back a connection
    whose transaction was committed: each would otherwise be one more trip to SQLite's thread."""
    path = tmp_path / "one.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    hops = _count_hops(engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        hops.clear()
        async with engine.begin() as conn:
            await conn.execute(text("SELECT count(*) FROM t"))
            raw: Any = await conn.get_raw_connection()
            assert raw.driver_connection._conn.in_transaction
            other = sqlite3.connect(path, timeout=0)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")  # the first statement took the write lock
            other.close()
            await conn.execute(text("INSERT INTO t DEFAULT VALUES"))
        assert hops == ["_run", "_run", "commit"]
        hops.clear()
        async with engine.begin():
            pass
        assert hops == []  # nothing executed, nothing to begin or commit
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 1
    finally:
        await engine.dispose()


async def test_a_connection_returned_mid_transaction_is_rolled_back(tmp_path: Path) -> None:
    """What the pool's reset is for: a transaction SQLAlchemy did not close (begun by hand on the raw
    connection here) is undone before anyone else gets the connection, and its lock is released."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        async with engine.connect() as conn:
            raw: Any = await conn.get_raw_connection()
            await conn.run_sync(lambda _sync: _begin_and_insert(raw))
            assert in_transaction(raw)
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            assert not in_transaction(raw)
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
    finally:
        await engine.dispose()


def _begin_and_insert(raw: Any) -> None:
    cursor = raw.cursor()
    cursor.execute("BEGIN IMMEDIATE")
    cursor.execute("INSERT INTO t DEFAULT VALUES")
    cursor.close()
