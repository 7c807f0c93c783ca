"""INSERT … ON CONFLICT for both dialects: concurrent writers rely on the database, not on
check-then-insert."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def _insert(session: AsyncSession, model: type[DeclarativeBase]) -> Any:
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model)


def upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: Mapping[str, Any],
    conflict: Sequence[str],
    update: Sequence[str],
) -> Insert:
    """INSERT values; on a conflict on `conflict` columns, overwrite `update` columns."""
    statement = _insert(session, model).values(**values)
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=list(conflict), set_={name: statement.excluded[name] for name in update}
    )


def insert_ignore(
    session: AsyncSession, model: type[DeclarativeBase], values: Mapping[str, Any], conflict: Sequence[str]
) -> Insert:
    """INSERT values unless a row with the same `conflict` columns exists."""
    statement = _insert(session, model).values(**values)
    return statement.on_conflict_do_nothing(index_elements=list(conflict))  # type: ignore[no-any-return]
