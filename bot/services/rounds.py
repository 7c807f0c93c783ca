"""Consultation rounds: one survey version open to residents for a period, reached by a deep link."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import Response, ResponseStatus, Round, SurveyVersion
from bot.errors import N_, ConsultError

PAYLOAD_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,64}$")


class InvalidRound(ConsultError):
    """Staff asked for a round that cannot exist; the message says why (English, for the CLI and staff)."""

    user_message = N_("This consultation round cannot be created as asked.")


@dataclass(frozen=True)
class RoundSummary:
    round: Round
    slug: str
    version: int
    started: int
    completed: int


def payload_from_slug(slug: str) -> str:
    """A deep-link payload from a survey id: letters, digits and `_` only (other links use a `-`)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", slug)[:60] or "survey"


class RoundService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    async def open_round(
        self,
        survey: SurveyVersion,
        *,
        title: str | None = None,
        opens_at: datetime | None = None,
        closes_at: datetime | None = None,
        payload: str | None = None,
        is_test: bool = False,
    ) -> Round:
        now = self._clock.now()
        opens_at = opens_at or now
        if closes_at is not None and closes_at <= max(opens_at, now):
            raise InvalidRound("the closing date must be after the opening date and in the future")
        if payload is not None:
            if not PAYLOAD_PATTERN.match(payload):
                raise InvalidRound("the payload may only contain letters, digits and _ (at most 64)")
            if await self.by_payload(payload) is not None:
                raise InvalidRound(f"the payload {payload!r} is already used by another round")
        else:
            payload = await self._free_payload(payload_from_slug(survey.slug))
        rnd = Round(
            survey_id=survey.id,
            title=title,
            payload=payload,
            opens_at=opens_at,
            closes_at=closes_at,
            is_test=is_test,
            created_at=now,
        )
        self._session.add(rnd)
        await self._session.flush()
        return rnd

    async def _free_payload(self, base: str) -> str:
        taken = set(
            (await self._session.scalars(select(Round.payload).where(Round.payload.like(f"{base}%")))).all()
        )
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        return candidate

    async def get(self, round_id: int) -> Round | None:
        return await self._session.get(Round, round_id)

    async def by_payload(self, payload: str) -> Round | None:
        return await self._session.scalar(select(Round).where(Round.payload == payload))

    async def close(self, round_id: int) -> Round:
        rnd = await self.get(round_id)
        if rnd is None:
            raise InvalidRound(f"there is no round {round_id}")
        if rnd.closed_at is None:
            rnd.closed_at = self._clock.now()
            await self._session.flush()
        return rnd

    async def open_now(self) -> list[tuple[Round, SurveyVersion]]:
        """Rounds a resident may answer now, newest first (test rounds are reached only by their link)."""
        now = self._clock.now()
        result = await self._session.execute(
            select(Round, SurveyVersion)
            .join(SurveyVersion, Round.survey_id == SurveyVersion.id)
            .where(
                Round.opens_at <= now,
                Round.closed_at.is_(None),
                or_(Round.closes_at.is_(None), Round.closes_at > now),
                Round.is_test.is_(False),
            )
            .order_by(Round.opens_at.desc(), Round.id.desc())
        )
        return [(rnd, survey) for rnd, survey in result]

    async def summaries(self) -> list[RoundSummary]:
        started = func.count(Response.id)
        completed = func.count(Response.id).filter(Response.status == ResponseStatus.COMPLETED)
        result = await self._session.execute(
            select(Round, SurveyVersion.slug, SurveyVersion.version, started, completed)
            .join(SurveyVersion, Round.survey_id == SurveyVersion.id)
            .outerjoin(Response, Response.round_id == Round.id)
            .group_by(Round.id, SurveyVersion.slug, SurveyVersion.version)
            .order_by(Round.id)
        )
        return [RoundSummary(*row) for row in result]
