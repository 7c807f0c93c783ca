"""Telegram updates already processed: each update takes effect once, even when delivered twice.

The update's id is claimed in the update's first transaction, first thing. On PostgreSQL an update is one
transaction, and its claim is completed from the start: it commits or rolls back with everything else.

On SQLite an update that replies is two transactions or more, because its work is committed before each
reply goes out (bot/commit_point.py). Its claim is not completed until its last transaction, and it may
stop after the first: a reply that cannot be sent, the database gone, the process killed.

A delivery of a completed update is skipped. A delivery of one that stopped half-way runs it again, on
what its first part committed: a survey answer then finds its question answered, and shows the current one.
If an update fails before its first commit, its claim rolls back with everything else.

On PostgreSQL a second delivery running at the same moment waits on the first one's row until it commits
or rolls back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, bindparam, delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import ProcessedUpdate
from bot.db.upsert import upsert_unless

_TABLE: Table = ProcessedUpdate.__table__  # type: ignore[assignment]
_COMPLETE = update(_TABLE).where(_TABLE.c.update_id == bindparam("id")).values(completed=True)


class ProcessedUpdates:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    async def claim(self, update_id: int, *, completed: bool) -> bool:
        """Take the update up (in the current transaction), as `completed` when it is to be one transaction;
        False when an earlier delivery completed it."""
        values = {"update_id": update_id, "processed_at": self._clock.now(), "completed": completed}
        # On a conflict, a row that is not completed is taken over; a completed one is left: skipped.
        return await upsert_unless(
            self._session, ProcessedUpdate, values, ["update_id"], ["processed_at"], unless="completed"
        )

    async def complete(self, update_id: int) -> None:
        """Mark the update completed, in its last transaction."""
        await self._session.execute(_COMPLETE, {"id": update_id})

    async def purge(self, before: datetime) -> int:
        """Forget updates processed before `before` (Telegram redelivers for far less than a day)."""
        result = await self._session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)
