"""The composition root: the one module that knows every part and wires them together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.types import User
from aiohttp import web

from bot.clock import Clock
from bot.config import Settings
from bot.context import AppContext
from bot.errors import ConfigError
from bot.fsm_storage import SQLStorage
from bot.i18n import ConsultI18nMiddleware
from bot.middlewares import UnitOfWork
from bot.startup import build_bot, build_context, check_telegram
from bot.web import SecretWebhookHandler, build_web_app
from handlers import build_routers
from handlers.menus import set_resident_commands

log = logging.getLogger(__name__)


def build_dispatcher(
    ctx: AppContext, storage: BaseStorage, isolation: BaseEventIsolation | None = None
) -> Dispatcher:
    dispatcher = Dispatcher(storage=storage, events_isolation=isolation or SimpleEventIsolation(), ctx=ctx)
    dispatcher.update.outer_middleware(UnitOfWork(ctx))
    ConsultI18nMiddleware(ctx.catalogs).setup(dispatcher)
    dispatcher.include_routers(*build_routers(ctx.settings))
    return dispatcher


def build_storage(ctx: AppContext) -> tuple[BaseStorage, BaseEventIsolation]:
    """Redis when configured (several processes share state and per-person locks), else the database."""
    if ctx.settings.redis_url:
        storage = RedisStorage.from_url(ctx.settings.redis_url)
        return storage, RedisEventIsolation(storage.redis)
    return SQLStorage(ctx.sessions, ctx.pseudonym_key, ctx.clock), SimpleEventIsolation()


@dataclass
class Application:
    ctx: AppContext
    bot: Bot
    dispatcher: Dispatcher
    storage: BaseStorage
    isolation: BaseEventIsolation

    @classmethod
    async def create(
        cls,
        settings: Settings,
        clock: Clock | None = None,
        isolation: BaseEventIsolation | None = None,
        session: BaseSession | None = None,
    ) -> Application:
        """Everything wired; `session` replaces the HTTP transport to Telegram (the terminal preview)."""
        bot = build_bot(settings, session)  # validates the token before anything else is touched
        try:
            ctx = await build_context(settings, clock)
        except BaseException:
            await bot.session.close()
            raise
        storage, default_isolation = build_storage(ctx)
        chosen = isolation or default_isolation
        return cls(ctx, bot, build_dispatcher(ctx, storage, chosen), storage, chosen)

    async def startup(self) -> User:
        """Reach Telegram and set the command menus; a failure is a ConfigError."""
        me = await check_telegram(self.bot, self.ctx.settings)
        await set_resident_commands(
            self.bot, self.ctx.catalogs, self.ctx.languages, self.ctx.settings.default_locale
        )
        return me

    def webhook_handler(self) -> SecretWebhookHandler:
        secret = self.ctx.settings.webhook_secret
        if secret is None or not secret.get_secret_value():
            raise ConfigError(
                "WEBHOOK_SECRET is not set: choose a random string of letters, digits, _ and - "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')."
            )
        return SecretWebhookHandler(self.dispatcher, self.bot, secret.get_secret_value())

    async def close(self) -> None:
        await self.bot.session.close()
        await self.storage.close()
        await self.isolation.close()
        await self.ctx.engine.dispose()

    async def run_polling(self) -> None:
        me = await self.startup()
        await self.bot.delete_webhook(drop_pending_updates=False)
        health = None
        if self.ctx.settings.health_port is not None:
            health = await _serve(
                build_web_app(self.ctx), self.ctx.settings.host, self.ctx.settings.health_port
            )
        log.info("consultbot @%s polling", me.username)
        try:
            await self.dispatcher.start_polling(
                self.bot,
                handle_signals=True,
                close_bot_session=False,
                allowed_updates=self.dispatcher.resolve_used_update_types(),
            )
        finally:
            await self._drain()
            if health is not None:
                await health.cleanup()

    async def run_webhook(self) -> None:
        settings = self.ctx.settings
        if not settings.webhook_base_url:
            raise ConfigError(
                "WEBHOOK_BASE_URL is not set: the public https:// address Telegram should call."
            )
        handler = self.webhook_handler()
        await self.startup()
        runner = await _serve(build_web_app(self.ctx, handler), settings.host, settings.port)
        health = None
        if settings.health_port is not None and settings.health_port != settings.port:
            health = await _serve(build_web_app(self.ctx), settings.host, settings.health_port)
        await self.bot.set_webhook(
            settings.webhook_base_url.rstrip("/") + settings.webhook_path,
            secret_token=handler._secret,
            allowed_updates=self.dispatcher.resolve_used_update_types(),
        )
        log.info("consultbot webhook on %s:%s%s", settings.host, settings.port, settings.webhook_path)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        try:
            await self.dispatcher.emit_startup(bot=self.bot)
            await stop.wait()
        finally:
            await runner.cleanup()  # waits for requests in flight, which carry their updates
            if health is not None:
                await health.cleanup()
            await self.dispatcher.emit_shutdown(bot=self.bot)

    async def _drain(self) -> None:
        """aiogram does not wait for handler tasks when polling stops; let them finish."""
        tasks = set(self.dispatcher._handle_update_tasks)
        if tasks:
            await asyncio.wait(tasks, timeout=30)


async def _serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
