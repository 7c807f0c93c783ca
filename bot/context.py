"""What every update shares within one process: settings, clock, database, caches, catalogs."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Catalogs
from bot.services.surveys import SurveyCache


@dataclass
class AppContext:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    pseudonym_key: bytes
    catalogs: Catalogs
    surveys: SurveyCache = field(default_factory=SurveyCache)

    @property
    def languages(self) -> frozenset[str]:
        """The languages residents can choose: those with a catalog, and the default."""
        return frozenset(self.catalogs.available_locales) | {self.settings.default_locale}
