"""Survey versions: storing files as versions, and a per-process cache of parsed surveys.

A survey is parsed once per process and checksum, never per update.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import SurveyVersion
from bot.errors import N_, ConsultError
from surveys import Survey, checksum, is_text_only_change, parse_survey, structure_key


class VersionConflict(ConsultError):
    """Same id and version as a stored survey, but more than texts changed."""

    user_message = N_(
        "A survey with this id and version already exists and this file changes more than its texts. "
        "Give it a new version number."
    )

    def __init__(self, slug: str, version: int) -> None:
        super().__init__(f"survey {slug!r} version {version} exists with another structure")
        self.slug = slug
        self.version = version


class StoreOutcome(enum.StrEnum):
    NEW = "new"
    UNCHANGED = "unchanged"
    AMENDED = "amended"


@dataclass(frozen=True)
class Stored:
    row: SurveyVersion
    survey: Survey
    outcome: StoreOutcome


_PARSED: dict[str, Survey] = {}


class SurveyCache:
    """Parsed surveys by checksum of their source, shared by every update of the process.

    Parsing a survey in eleven languages takes a good fraction of a second, so a miss is parsed in a
    worker thread: the event loop keeps serving other residents meanwhile.
    """

    def __init__(self, parsed: dict[str, Survey] | None = None) -> None:
        self._parsed = _PARSED if parsed is None else parsed

    async def parse(self, source: str, filename: str = "<survey>") -> Survey:
        key = checksum(source)
        survey = self._parsed.get(key)
        if survey is None:
            survey = await asyncio.to_thread(parse_survey, source, filename)
            self._parsed[key] = survey
        return survey

    def cached(self, key: str) -> Survey | None:
        return self._parsed.get(key)


class SurveyStore:
    def __init__(self, session: AsyncSession, cache: SurveyCache, clock: Clock) -> None:
        self._session = session
        self._cache = cache
        self._clock = clock

    async def survey_for(self, survey_id: int, survey_checksum: str) -> Survey:
        """The parsed survey of a stored version; reads its source only on a cache miss."""
        survey = self._cache.cached(survey_checksum)
        if survey is not None:
            return survey
        source = await self._session.scalar(select(SurveyVersion.source).where(SurveyVersion.id == survey_id))
        if source is None:
            raise LookupError(f"survey version {survey_id} does not exist")
        return await self._cache.parse(source, f"survey #{survey_id}")

    async def get(self, slug: str, version: int | None = None) -> SurveyVersion | None:
        query = select(SurveyVersion).where(SurveyVersion.slug == slug)
        if version is not None:
            query = query.where(SurveyVersion.version == version)
        result = await self._session.execute(query.order_by(SurveyVersion.version.desc()).limit(1))
        return result.scalar_one_or_none()

    async def list(self) -> list[SurveyVersion]:
        result = await self._session.execute(
            select(SurveyVersion).order_by(SurveyVersion.slug, SurveyVersion.version)
        )
        return list(result.scalars())

    async def store(self, source: str, filename: str = "<survey>") -> Stored:
        """Store a survey file as a version. Raises SurveyLoadError (invalid) or VersionConflict."""
        survey = await self._cache.parse(source, filename)
        now = self._clock.now()
        existing = await self.get(survey.id, survey.version)
        if existing is None:
            row = SurveyVersion(
                slug=survey.id,
                version=survey.version,
                source=source,
                checksum=checksum(source),
                structure_key=structure_key(survey),
                created_at=now,
                updated_at=now,
            )
            self._session.add(row)
            await self._session.flush()
            return Stored(row, survey, StoreOutcome.NEW)
        if existing.checksum == checksum(source):
            return Stored(existing, survey, StoreOutcome.UNCHANGED)
        old = await self._cache.parse(existing.source, filename)
        if not is_text_only_change(old, survey):
            raise VersionConflict(survey.id, survey.version)
        existing.source = source
        existing.checksum = checksum(source)
        existing.updated_at = now
        await self._session.flush()
        return Stored(existing, survey, StoreOutcome.AMENDED)
