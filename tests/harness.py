"""Run the real consultbot application against the fake Telegram Bot API.

The bot serves its webhook on 127.0.0.1; the fake delivers each update by POSTing to it and waits for the
answer, which the bot gives only after the update was processed and committed. So when a FakeUser action
returns, the replies are in `tg.sent` and the effects are in the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

from aiogram.fsm.storage.base import BaseEventIsolation
from aiohttp import web
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.app import Application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db.models import Answer, Respondent, Response, Round
from bot.services.container import Services
from bot.web import build_web_app
from tests.fake_telegram import FakeTelegram

WEBHOOK_SECRET = "test-webhook-secret"


class RecordedSleeps(list[float]):
    """Stands in for asyncio.sleep: remembers each wait asked for, and returns at once."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@dataclass
class Running:
    app: Application
    tg: FakeTelegram
    clock: FrozenClock
    webhook_url: str
    sleeps: RecordedSleeps

    @asynccontextmanager
    async def services(self) -> AsyncIterator[Services]:
        """A unit of work against the bot's database, committed at the end."""
        async with self.app.ctx.sessions.begin() as session:
            yield Services(session, self.app.ctx)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.app.ctx.sessions() as session:
            yield session

    async def open_round(self, slug: str = "charleroi-learning-city", **kwargs: Any) -> Round:
        async with self.services() as services:
            version = await services.surveys.get(slug)
            assert version is not None, f"survey {slug} is not loaded"
            return await services.rounds.open_round(version, **kwargs)

    async def store_survey(self, source: str) -> None:
        async with self.services() as services:
            await services.surveys.store(source, "test.yaml")

    async def answers(self, round_id: int | None = None) -> list[dict[str, Any]]:
        """Every stored answer as {response, question, value, other}."""
        query = select(Answer.response_id, Answer.question_id, Answer.value, Answer.other_text).order_by(
            Answer.id
        )
        if round_id is not None:
            query = query.join(Response, Response.id == Answer.response_id).where(
                Response.round_id == round_id
            )
        async with self.session() as session:
            rows = await session.execute(query)
            return [{"response": r, "question": q, "value": v, "other": o} for r, q, v, o in rows]

    async def answers_of(self, user_id: int, round_id: int) -> dict[str, Any]:
        from bot.db.models import Contact

        query = (
            select(Answer.question_id, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .join(Respondent, Respondent.id == Response.respondent_id)
            .join(Contact, Contact.id == Respondent.contact_id)
            .where(Contact.telegram_id == user_id, Response.round_id == round_id)
        )
        async with self.session() as session:
            return dict((await session.execute(query)).all())

    async def count(self, model: Any) -> int:
        async with self.session() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@asynccontextmanager
async def running_bot(
    settings: Settings, tg: FakeTelegram, clock: FrozenClock, isolation: BaseEventIsolation | None = None
) -> AsyncIterator[Running]:
    sleeps = RecordedSleeps()
    app = await Application.create(settings, clock, isolation=isolation, sleep=sleeps)
    runner: web.AppRunner | None = None
    try:
        await app.startup()
        runner = web.AppRunner(build_web_app(app.ctx, app.webhook_handler()), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        url = f"http://127.0.0.1:{port}{settings.webhook_path}"
        await app.bot.set_webhook(url, secret_token=WEBHOOK_SECRET)
        yield Running(app, tg, clock, url, sleeps)
    finally:
        if runner is not None:
            await runner.cleanup()
        await app.close()


@contextmanager
def database_drops(bot: Running, on: str, engine: AsyncEngine | None = None) -> Iterator[list[str]]:
    """The database fails the first statement containing `on` (e.g. the answers' INSERT), on the bot's
    engine or on `engine` (the exports' readers)."""
    failed: list[str] = []

    def fail(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if on in statement and not failed:
            failed.append(statement)
            raise OperationalError(statement, {}, Exception("server closed the connection unexpectedly"))

    target = (engine or bot.app.ctx.engine).sync_engine
    event.listen(target, "before_cursor_execute", fail)
    try:
        yield failed
    finally:
        event.remove(target, "before_cursor_execute", fail)
