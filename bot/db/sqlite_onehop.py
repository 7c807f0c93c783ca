"""SQLite through aiosqlite with one thread hop per statement instead of four.

aiosqlite runs each SQLite call in its connection's own thread. SQLAlchemy's adapter makes four such calls
per statement (open a cursor, execute, fetch the rows, close the cursor), and each hop costs a queue
hand-off, a wake-up of the thread and of the event loop, and GIL switches: under load that was about a
third of the bot's CPU (bench/RESULTS.md). This cursor does all four in one call in the thread, and the
transaction's BEGIN goes in the same call as its first statement.

It uses `aiosqlite.Connection._execute` and `_conn`, which are not public: the aiosqlite version is pinned
in pyproject.toml, and every test on SQLite goes through this cursor. Server-side cursors (exports that
stream) keep SQLAlchemy's own.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util import EMPTY_DICT, await_

DRIVER = "consultbot_aiosqlite"

_Outcome = tuple[Any, list[Any], int, int | None]


def _run(
    connection: sqlite3.Connection, begin: str | None, operation: str, parameters: Any, many: bool
) -> _Outcome:
    cursor = connection.cursor()
    try:
        if begin is not None:
            cursor.execute(begin)
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        # No aiosqlite cursor is opened: `_run` makes a plain one inside the connection's thread.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int | None:  # type: ignore[override]
        return self._lastrowid

    async def _hop(self, operation: Any, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            outcome: _Outcome = await self._connection._execute(
                _run,
                self._connection._conn,
                self._adapt_connection.take_deferred_begin(),  # type: ignore[attr-defined]
                operation,
                parameters,
                many,
            )
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._hop(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._hop(operation, seq_of_parameters, many=True)

    async def _async_soft_close(self) -> None:
        """Nothing to close: the rows are already here."""

    def close(self) -> None:
        self._rows.clear()


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """Also defers BEGIN to the transaction's first statement, in the same hop: a transaction costs one
    trip to SQLite's thread fewer, and one in which nothing was executed costs none."""

    __slots__ = ("_deferred_begin",)
    _cursor_cls = OneHopCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._deferred_begin: str | None = None

    def begin_later(self, statement: str) -> None:
        """Run `statement` (BEGIN, BEGIN IMMEDIATE) just before the next statement, in its hop."""
        self._deferred_begin = statement

    def take_deferred_begin(self) -> str | None:
        begin, self._deferred_begin = self._deferred_begin, None
        return begin

    def cursor(self, server_side: bool = False) -> Any:
        if server_side and (begin := self.take_deferred_begin()) is not None:
            # SQLAlchemy's streaming cursor runs its statement itself: BEGIN goes first, on its own.
            await_(self._connection._execute(self._connection._conn.execute, begin))
        return super().cursor(server_side)

    def commit(self) -> None:
        if self.take_deferred_begin() is None:
            super().commit()  # else nothing was executed: there is nothing to commit

    def rollback(self) -> None:
        if self.take_deferred_begin() is None:
            super().rollback()


def in_transaction(adapted: OneHopConnection) -> bool:
    """Whether a transaction is open on this connection, or about to begin with its next statement: read
    without a trip to SQLite's thread."""
    return adapted._deferred_begin is not None or bool(adapted._connection._conn.in_transaction)


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


class OneHopDialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> OneHopDBAPI:
        return OneHopDBAPI(__import__("aiosqlite"), __import__("sqlite3"))
