"""Engine and session factory, with SQLite set up for concurrent use (WAL, busy timeout, foreign keys)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import registry
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import PoolResetState

from bot.db.sqlite_onehop import DRIVER, OneHopConnection, in_transaction

registry.register(f"sqlite.{DRIVER}", "bot.db.sqlite_onehop", "OneHopDialect")

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_POOL_TIMEOUT_S = 60


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """SQL parameters are hidden from error messages: they carry residents' answers, and errors are logged."""
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        # SQLite has one writer at a time. One connection per process makes concurrent updates wait their
        # turn in the pool (in order, for up to a minute) instead of racing for the file lock, which under
        # load made some fail with "database is locked" (bench/RESULTS.md).
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", SQLITE_POOL_TIMEOUT_S)
        if make_url(url).drivername == "sqlite+aiosqlite":
            url = make_url(url).set(drivername=f"sqlite+{DRIVER}").render_as_string(hide_password=False)
        ours = make_url(url).drivername == f"sqlite+{DRIVER}"
        if ours:
            kwargs.setdefault("pool_reset_on_return", None)  # _sqlite_reset does it
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if ours:
            event.listen(engine.sync_engine, "reset", _sqlite_reset)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (so BEGIN IMMEDIATE below applies).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_reset(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
    """The pool's reset of a connection it gets back, without a trip to SQLite's thread when there is
    nothing to undo. The pool rolls back every returned connection, even one whose transaction was just
    committed, and on SQLite each call is a hop to the connection's thread, one more per transaction
    (bench/RESULTS.md §1). SQLite knows whether a transaction is open."""
    if state.terminate_only or not state.asyncio_safe:
        return  # the connection is being discarded, or we are outside the event loop: nothing to reuse
    if in_transaction(dbapi_connection):
        dbapi_connection.rollback()


#: An execution option for a transaction that only reads (`session.connection(execution_options=READ_ONLY)`):
#: on SQLite it begins without the write lock, so a long read (an export) runs beside the bot's writes.
READ_ONLY = {"consultbot_read_only": True}


def snapshot_options(dialect: str) -> dict[str, Any]:
    """Execution options for a long read (an export) that takes no lock and sees one snapshot from its
    first statement to its last: on SQLite a deferred BEGIN does both (WAL); PostgreSQL needs REPEATABLE
    READ, where READ COMMITTED would give each statement (each of an export's two cursors) its own."""
    if dialect == "postgresql":
        return {**READ_ONLY, "isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    return dict(READ_ONLY)


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock at BEGIN: a read-then-write transaction can't then fail to upgrade
    its lock half-way (SQLITE_BUSY without waiting), which is what concurrent updates would hit.
    A transaction marked READ_ONLY begins deferred: with WAL it reads a snapshot and blocks no writer."""
    begin = "BEGIN" if connection.get_execution_options().get("consultbot_read_only") else "BEGIN IMMEDIATE"
    dbapi_connection = connection.connection.dbapi_connection
    if isinstance(dbapi_connection, OneHopConnection):
        dbapi_connection.begin_later(begin)
    else:
        connection.exec_driver_sql(begin)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
