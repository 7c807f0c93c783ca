"""What staff do to rounds beyond opening them, and the watch that announces scheduled openings and closings.

A round is open or closed by its dates alone (`Round.is_open`), so a scheduled opening happens on time
whether the bot runs or not. The watch only *announces* the change: it compares each round's state with
the last `round.opened`/`round.closed` entry of the audit log, so it also catches up after a restart.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import Round
from bot.errors import StaffRoundNotFound
from bot.services.audit import SYSTEM, AuditLog

OPENED = "round.opened"
CLOSED = "round.closed"


class RoundState(enum.StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


def state_of(rnd: Round, now: datetime) -> RoundState:
    if rnd.is_open(now):
        return RoundState.OPEN
    if rnd.closed_at is None and rnd.opens_at > now and (rnd.closes_at is None or rnd.closes_at > now):
        return RoundState.SCHEDULED
    return RoundState.CLOSED


def target(rnd: Round | int) -> str:
    return f"round:{rnd if isinstance(rnd, int) else rnd.id}"


@dataclass(frozen=True)
class Change:
    round: Round
    state: RoundState


class RoundAdmin:
    def __init__(self, session: AsyncSession, clock: Clock, audit: AuditLog) -> None:
        self._session = session
        self._clock = clock
        self._audit = audit

    async def get(self, round_id: int) -> Round:
        rnd = await self._session.get(Round, round_id)
        if rnd is None:
            raise StaffRoundNotFound()
        return rnd

    async def reopen(self, round_id: int) -> Round:
        """Open a closed round again now; a closing date already past is dropped (no end date)."""
        rnd = await self.get(round_id)
        now = self._clock.now()
        rnd.closed_at = None
        if rnd.closes_at is not None and rnd.closes_at <= now:
            rnd.closes_at = None
        if rnd.opens_at > now:
            rnd.opens_at = now
        await self._session.flush()
        return rnd

    async def mark(self, rnd: Round, actor: str | None, role: str | None) -> RoundState:
        """Record the round's state now, when it differs from the last one recorded."""
        state = state_of(rnd, self._clock.now())
        last = await self._audit.last_of(target(rnd), (OPENED, CLOSED))
        was_open = last is not None and last.action == OPENED
        if state is RoundState.OPEN and not was_open:
            await self._audit.record(actor, OPENED, target(rnd), role=role)
        elif state is RoundState.CLOSED and was_open:
            await self._audit.record(actor, CLOSED, target(rnd), role=role)
        return state

    async def watch(self) -> list[Change]:
        """Rounds that opened or closed by their dates since last seen (the scheduler's tick)."""
        changes = []
        for rnd in await self._session.scalars(select(Round).order_by(Round.id)):
            last = await self._audit.last_of(target(rnd), (OPENED, CLOSED))
            state = await self.mark(rnd, SYSTEM, None)
            was_open = last is not None and last.action == OPENED
            if (state is RoundState.OPEN) != was_open and state is not RoundState.SCHEDULED:
                changes.append(Change(rnd, state))
        return changes
