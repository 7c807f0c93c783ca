"""The audit log: every staff action and refused attempt, append-only.

Actors are random actor ids (see `RoleService.actor_for`) or, for someone we hold no contact for, a keyed
hash of their Telegram id: never a raw Telegram id. Targets are internal ids (`round:3`, `survey:7`,
`actor:…`, `/stats`). Nothing here updates or deletes an entry.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import AuditEntry

SYSTEM = "system"  # the actor of what happens by itself (a scheduled opening)


def stranger_ref(key: bytes, telegram_id: int) -> str:
    """A stable reference to someone without a contact record, that does not reveal their Telegram id."""
    digest = hmac.new(key, f"stranger:{telegram_id}".encode(), hashlib.sha256).hexdigest()
    return "?" + digest[:12]


class AuditLog:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    async def record(
        self,
        actor: str | None,
        action: str,
        target: str | None = None,
        *,
        role: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEntry:
        entry = AuditEntry(
            at=self._clock.now(), actor=actor, actor_role=role, action=action, target=target, detail=detail
        )
        self._session.add(entry)
        await self._session.flush()
        return entry

    async def latest(self, limit: int = 20) -> list[AuditEntry]:
        """The newest entries, newest first."""
        result = await self._session.scalars(
            select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        )
        return list(result)

    async def last_of(self, target: str, actions: Sequence[str]) -> AuditEntry | None:
        """The newest entry about `target` among `actions` (what was last announced about a round)."""
        return await self._session.scalar(
            select(AuditEntry)
            .where(AuditEntry.target == target, AuditEntry.action.in_(list(actions)))
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
