"""Retention: RETENTION_DAYS after a round closes, nothing links a person to that round's responses any
more. The answers stay for the consultation's results; the respondent loses its contact; the links kept
to tell residents what came of a round go too. `consultbot purge` runs it; the bot runs it with its
periodic round check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import Respondent, Round
from bot.services.notifications import NotificationService


@dataclass(frozen=True)
class Purged:
    respondents: int
    results_links: int


class Retention:
    def __init__(
        self, session: AsyncSession, clock: Clock, days: int, notifications: NotificationService
    ) -> None:
        self._session = session
        self._clock = clock
        self._days = days
        self._notifications = notifications

    async def purge(self) -> Purged:
        cutoff = self._clock.now() - timedelta(days=self._days)
        expired = select(Round.id).where(
            or_(
                and_(Round.closed_at.is_not(None), Round.closed_at <= cutoff),
                and_(Round.closes_at.is_not(None), Round.closes_at <= cutoff),
            )
        )
        result = await self._session.execute(
            update(Respondent)
            .where(Respondent.round_id.in_(expired), Respondent.contact_id.is_not(None))
            .values(contact_id=None)
            .execution_options(synchronize_session=False)
        )
        links = await self._notifications.purge_results_links(before=cutoff)
        return Purged(int(getattr(result, "rowcount", 0) or 0), links)
