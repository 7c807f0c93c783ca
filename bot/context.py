"""What every update shares within one process: settings, clock, database, caches, catalogs."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.catalogs import catalog_paths
from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import create_engine, session_factory
from bot.services.surveys import SurveyCache

if TYPE_CHECKING:
    from bot.i18n import Catalogs

READERS_ON_SQLITE = 2  # exports read at once on SQLite; each file is written by a thread of its own


@dataclass
class AppContext:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    pseudonym_key: bytes
    loaded_catalogs: Catalogs | None = None  # loaded by the bot; command-line tools don't need them
    surveys: SurveyCache = field(default_factory=SurveyCache)
    _reading_engine: AsyncEngine | None = field(default=None, init=False, repr=False)

    @cached_property
    def readers(self) -> async_sessionmaker[AsyncSession]:
        """Sessions for a long read (an export). On SQLite the bot's engine has one connection, for which
        updates take turns: an export holding it would make every resident wait until its file is written.
        Long reads get connections of their own there: WAL readers beside the writer, one per export, for
        up to READERS_ON_SQLITE exports at once (another waits for one to finish, up to the pool's timeout).
        PostgreSQL's pool serves both."""
        if self.engine.dialect.name != "sqlite":
            return self.sessions
        self._reading_engine = create_engine(
            self.engine.url.render_as_string(hide_password=False), pool_size=READERS_ON_SQLITE
        )
        return session_factory(self._reading_engine)

    async def dispose(self) -> None:
        """Close the database connections."""
        await self.engine.dispose()
        if self._reading_engine is not None:
            await self._reading_engine.dispose()

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
