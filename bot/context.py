"""What every update shares within one process: settings, clock, database, caches, catalogs."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.catalogs import catalog_paths
from bot.clock import Clock
from bot.config import Settings
from bot.services.surveys import SurveyCache

if TYPE_CHECKING:
    from bot.i18n import Catalogs


@dataclass
class AppContext:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    pseudonym_key: bytes
    loaded_catalogs: Catalogs | None = None  # loaded by the bot; command-line tools don't need them
    surveys: SurveyCache = field(default_factory=SurveyCache)

    @property
    def catalogs(self) -> Catalogs:
        """The gettext catalogs; a command-line tool that needs them loads them on first use."""
        if self.loaded_catalogs is None:
            from bot.i18n import load_catalogs

            self.loaded_catalogs = load_catalogs(self.settings.default_locale)
        return self.loaded_catalogs

    @cached_property
    def languages(self) -> frozenset[str]:
        """The languages residents can choose: those with a catalog, and the default."""
        return frozenset(catalog_paths()) | {self.settings.default_locale}
