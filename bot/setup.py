"""Start-up: reach the database, migrate, load surveys, build the shared context (no Telegram here).

Every failure here becomes a ConfigError whose one line says what to fix (the CLI prints it and exits
non-zero); none becomes a traceback.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import AppContext
from bot.db import migrate
from bot.db.engine import create_engine, session_factory
from bot.errors import ConfigError
from bot.pseudonyms import load_key
from bot.services.container import Services
from surveys import SurveyLoadError

if TYPE_CHECKING:
    from bot.i18n import Catalogs

log = logging.getLogger(__name__)


def safe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"


async def open_database(settings: Settings) -> AsyncEngine:
    """Connect and migrate; a database that can't be reached is a ConfigError."""
    try:
        engine = create_engine(settings.database_url)
    except Exception as exc:
        raise ConfigError(f"DATABASE_URL is not a database URL we can use ({exc}).") from exc
    try:
        await migrate.upgrade(engine)
    except BaseException as exc:
        await engine.dispose()
        if not isinstance(exc, DBAPIError | OSError | TimeoutError):
            raise
        reason = str(getattr(exc, "orig", exc)).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(
            f"Cannot reach the database at {safe_url(settings.database_url)}: {reason}. Check DATABASE_URL."
        ) from exc
    return engine


async def build_context(
    settings: Settings, clock: Clock | None = None, catalogs: Catalogs | None = None
) -> AppContext:
    engine = await open_database(settings)
    ctx = AppContext(
        settings=settings,
        clock=clock or SystemClock(),
        engine=engine,
        sessions=session_factory(engine),
        pseudonym_key=load_key(settings),
        loaded_catalogs=catalogs,
    )
    await load_shipped_surveys(ctx)
    return ctx


async def load_shipped_surveys(ctx: AppContext) -> None:
    """Store every survey file of SURVEYS_DIR; a broken file is logged and skipped, never fatal."""
    directory = ctx.settings.surveys_dir
    if not directory.is_dir():
        log.warning("SURVEYS_DIR %s is not a directory: no survey loaded at start", directory)
        return
    for path in sorted(directory.glob("*.yaml")):
        async with ctx.sessions.begin() as session:
            try:
                stored = await Services(session, ctx).surveys.store(
                    path.read_text(encoding="utf-8"), path.name
                )
            except SurveyLoadError as exc:
                log.error("survey file %s is invalid and was skipped:\n%s", path.name, exc)
                continue
            except Exception as exc:
                log.error("survey file %s was not loaded: %s", path.name, exc)
                continue
            log.info("survey %s v%s: %s", stored.survey.id, stored.survey.version, stored.outcome)
