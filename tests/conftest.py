"""Shared fixtures: databases (SQLite always; PostgreSQL and Redis when TEST_DATABASE_URL and
TEST_REDIS_URL are set), a frozen clock, the fake Telegram Bot API and the running bot."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from collections.abc import AsyncIterator, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.clock import FrozenClock
from bot.config import SHIPPED_SURVEYS_DIR, Settings
from bot.db import migrate
from bot.db.engine import create_engine
from bot.logs import ScrubFilter
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.harness import WEBHOOK_SECRET, Running, running_bot

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def run_in_thread(coroutine_function: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run set-up code on its own event loop, even when asked for from inside a running test loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine_function()).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, copied for each test (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(engine)
        await engine.dispose()

    run_in_thread(build)
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> str:
    assert TEST_DATABASE_URL is not None

    async def build() -> None:
        engine = create_engine(TEST_DATABASE_URL)
        await migrate.upgrade(engine)
        await engine.dispose()

    run_in_thread(build)
    return TEST_DATABASE_URL


async def _clean_postgres(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        names = await connection.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        tables = ", ".join(f'"{name}"' for name in names if name != "alembic_version")
        if tables:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


async def _clean_redis(url: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(url)
    await redis.flushdb()
    await redis.aclose()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL (and TEST_REDIS_URL) to run these")
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "consultbot.db"
        shutil.copy(template, target)
        return f"sqlite+aiosqlite:///{target}"
    url: str = request.getfixturevalue("postgres_migrated")
    await _clean_postgres(url)
    if TEST_REDIS_URL:
        await _clean_redis(TEST_REDIS_URL)
    return url


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


def make_settings(database_url: str, tg: FakeTelegram, **overrides: object) -> Settings:
    values: dict[str, Any] = {
        "bot_token": tg.token,
        "database_url": database_url,
        "telegram_api_url": tg.base_url,
        "webhook_secret": WEBHOOK_SECRET,
        "pseudonym_key": "test-pseudonym-key",
        "surveys_dir": SHIPPED_SURVEYS_DIR,
        "redis_url": TEST_REDIS_URL if not database_url.startswith("sqlite") else None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(database_url: str, tg: FakeTelegram) -> Settings:
    return make_settings(database_url, tg)


@pytest.fixture
async def bot(settings: Settings, tg: FakeTelegram, clock: FrozenClock) -> AsyncIterator[Running]:
    async with running_bot(settings, tg, clock) as running:
        yield running


@pytest.fixture
def resident(tg: FakeTelegram) -> FakeUser:
    """A resident whose Telegram speaks English, so tests read the msgids (large, distinctive ids:
    privacy tests search for them)."""
    return tg.user(user_id=7_700_000_001, first_name="Marie", language_code="en")


@pytest.fixture
def francophone(tg: FakeTelegram) -> FakeUser:
    return tg.user(user_id=7_700_000_002, first_name="Luc", language_code="fr")


@pytest.fixture(autouse=True)
def _no_dotenv(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read a developer's .env or environment configuration."""
    for name in list(os.environ):
        if name in Settings.model_fields or name.upper() in {f.upper() for f in Settings.model_fields}:
            monkeypatch.delenv(name, raising=False)


class _LogScan(logging.Handler):
    """Keeps every log line the suite produces, to check at the end that none carries a secret, a
    Telegram id or an answer's text (issue 8: logs never contain personal data)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:
            return
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name}: {text}")


LOG_SCAN = _LogScan()
LOG_SCAN.addFilter(ScrubFilter())  # as in production: the token is scrubbed from every record
# Strings that must never reach a log: the fake bot token, the residents' ids used across the suite (they
# all start 7700…), and answers typed in the flow tests.
NEVER_LOGGED = (
    "AAFakeFakeFake",
    "77000000",
    "77009000",
    "Beekeeping",
    "More evening courses in Marcinelle",
    "Evening classes please",
    "Somebody else's words",
)


def pytest_configure(config: pytest.Config) -> None:
    root = logging.getLogger()
    root.addHandler(LOG_SCAN)
    root.setLevel(min(root.level or logging.WARNING, logging.INFO))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leaks = [line for line in LOG_SCAN.lines if any(marker in line for marker in NEVER_LOGGED)]
    if leaks:
        print("\nPersonal data or secrets reached the logs:", *leaks[:20], sep="\n  ")  # noqa: T201
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
