"""INSERT … ON CONFLICT for both dialects: concurrent writers rely on the database, not on
check-then-insert.

The statements are built once per shape (dialect, table, conflict and updated columns) against the Core
table and executed with the values as parameters. Building one per call, with its `excluded` alias and a
bound parameter per value, was a measurable share of an answer's CPU (bench/RESULTS.md §1); a statement
object that is reused also keeps its SQL cache key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _insert(dialect: str, table: Table) -> Any:
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


@cache
def _upsert_statement(
    dialect: str, table: Table, conflict: tuple[str, ...], update: tuple[str, ...]
) -> Insert:
    statement = _insert(dialect, table)
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=list(conflict), set_={name: statement.excluded[name] for name in update}
    )


@cache
def _upsert_unless_statement(
    dialect: str, table: Table, conflict: tuple[str, ...], update: tuple[str, ...], unless: str
) -> Insert:
    statement = _insert(dialect, table)
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=list(conflict),
        set_={name: statement.excluded[name] for name in update},
        where=table.c[unless].is_(False),
    ).returning(table.c[conflict[0]])


@cache
def _insert_ignore_statement(dialect: str, table: Table, conflict: tuple[str, ...]) -> Insert:
    statement = _insert(dialect, table).on_conflict_do_nothing(index_elements=list(conflict))
    return statement.returning(table.c[conflict[0]])  # type: ignore[no-any-return]


def _table(model: type[DeclarativeBase]) -> Table:
    return model.__table__  # type: ignore[return-value]


async def _autoflush(session: AsyncSession) -> None:
    """What the ORM does before its own statements: Core statements skip it, and pending objects (a new
    contact these values refer to, a response's revision bump) must reach the database first."""
    if session.new or session.dirty or session.deleted:
        await session.flush()


async def upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: Mapping[str, Any],
    conflict: Sequence[str],
    update: Sequence[str],
) -> None:
    """INSERT values; on a conflict on `conflict` columns, overwrite `update` columns."""
    statement = _upsert_statement(_dialect(session), _table(model), tuple(conflict), tuple(update))
    await _autoflush(session)
    await session.execute(statement, dict(values))


async def insert_ignore(
    session: AsyncSession, model: type[DeclarativeBase], values: Mapping[str, Any], conflict: Sequence[str]
) -> bool:
    """INSERT values unless a row with the same `conflict` columns exists; True when a row was inserted."""
    statement = _insert_ignore_statement(_dialect(session), _table(model), tuple(conflict))
    await _autoflush(session)
    return (await session.execute(statement, dict(values))).first() is not None


async def upsert_unless(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: Mapping[str, Any],
    conflict: Sequence[str],
    update: Sequence[str],
    unless: str,
) -> bool:
    """INSERT values; on a conflict, overwrite `update` columns unless the existing row's boolean column
    `unless` is true. True when a row was inserted or overwritten."""
    statement = _upsert_unless_statement(
        _dialect(session), _table(model), tuple(conflict), tuple(update), unless
    )
    await _autoflush(session)
    return (await session.execute(statement, dict(values))).first() is not None
