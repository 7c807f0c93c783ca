"""Start-up: check the configuration, reach the database and Telegram, migrate, load surveys.

Every failure here becomes a ConfigError whose one line says what to fix (the CLI prints it and exits
non-zero); none becomes a traceback.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    AiogramError,
    TelegramAPIError,
    TelegramNetworkError,
    TelegramUnauthorizedError,
)
from aiogram.types import User
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import AppContext
from bot.db import migrate
from bot.db.engine import create_engine, session_factory
from bot.errors import ConfigError
from bot.i18n import load_catalogs
from bot.pseudonyms import load_key
from bot.services.container import Services
from surveys import SurveyLoadError

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
    except (DBAPIError, OSError, TimeoutError) as exc:
        await engine.dispose()
        reason = str(getattr(exc, "orig", exc)).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(
            f"Cannot reach the database at {safe_url(settings.database_url)}: {reason}. Check DATABASE_URL."
        ) from exc
    return engine


async def build_context(settings: Settings, clock: Clock | None = None) -> AppContext:
    engine = await open_database(settings)
    catalogs = load_catalogs(settings.default_locale)
    ctx = AppContext(
        settings=settings,
        clock=clock or SystemClock(),
        engine=engine,
        sessions=session_factory(engine),
        pseudonym_key=load_key(settings),
        catalogs=catalogs,
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


def build_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    token = settings.token()
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url.rstrip("/")))
    return Bot(token, session=session)


async def check_telegram(bot: Bot, settings: Settings) -> User:
    try:
        return await bot.get_me()
    except TelegramUnauthorizedError as exc:
        raise ConfigError(
            "Telegram rejected BOT_TOKEN (401): check it with @BotFather (/mybots → API Token)."
        ) from exc
    except (TelegramNetworkError, OSError, TimeoutError) as exc:
        raise ConfigError(
            f"Cannot reach the Telegram Bot API at {settings.telegram_api_url}: {exc}. "
            "Check TELEGRAM_API_URL and the network."
        ) from exc
    except TelegramAPIError as exc:
        raise ConfigError(f"The Telegram Bot API at {settings.telegram_api_url} answered: {exc}") from exc
    except AiogramError as exc:
        raise ConfigError(
            f"{settings.telegram_api_url} does not answer like a Telegram Bot API server. "
            "Check TELEGRAM_API_URL."
        ) from exc
