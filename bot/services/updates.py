"""Telegram updates already processed: each update takes effect once, even when delivered twice.

The update's id is inserted in the update's own transaction, first thing: if the insert conflicts, an
earlier delivery's effects are already committed and this one is skipped; if the update fails, its id is
rolled back with everything else, and the next delivery processes it. On PostgreSQL a second delivery
running at the same moment waits on the first one's row until it commits or rolls back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import ProcessedUpdate
from bot.db.upsert import insert_ignore


class ProcessedUpdates:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    async def first_delivery(self, update_id: int) -> bool:
        """Record the update as processed (in the current transaction); False when it already was."""
        return await insert_ignore(
            self._session,
            ProcessedUpdate,
            {"update_id": update_id, "processed_at": self._clock.now()},
            ["update_id"],
        )

    async def purge(self, before: datetime) -> int:
        """Forget updates processed before `before` (Telegram redelivers for far less than a day)."""
        result = await self._session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)
