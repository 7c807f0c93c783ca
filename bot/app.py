"""The composition root: the one module that knows every part and wires them together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import DisabledEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.types import User
from aiohttp import web

from bot.clock import Clock
from bot.config import Settings
from bot.context import AppContext
from bot.errors import ConfigError
from bot.flood import FloodCounter, FloodGuard, MemoryFloodCounter, RedisFloodCounter
from bot.fsm_context import LazyFSMContextMiddleware
from bot.fsm_storage import SQLStorage
from bot.i18n import ConsultI18nMiddleware, load_catalogs
from bot.isolation import OnePersonAtATime, PerPersonIsolation
from bot.loop import running as loop_name
from bot.metrics import UpdateMetrics
from bot.middlewares import UnitOfWork
from bot.sender import Sender, build_limiter, build_sender_bot
from bot.setup import build_context
from bot.telegram import build_bot, check_telegram
from bot.telegram_retry import Sleep
from bot.web import FailedRequestsLogger, SecretWebhookHandler, build_web_app
from handlers import build_routers
from handlers.menus import set_resident_profile

log = logging.getLogger(__name__)


def build_dispatcher(
    ctx: AppContext, storage: BaseStorage, isolation: BaseEventIsolation | None = None
) -> Dispatcher:
    # aiogram's own FSM middleware (and the per-person lock inside it) would run before ours: see
    # OnePersonAtATime for the order used instead.
    dispatcher = Dispatcher(storage=storage, disable_fsm=True, ctx=ctx)
    settings = ctx.settings
    counter: FloodCounter = (
        RedisFloodCounter(storage.redis, ctx.clock, settings.flood_window_seconds)
        if isinstance(storage, RedisStorage)
        else MemoryFloodCounter(ctx.clock, settings.flood_window_seconds)
    )
    dispatcher.update.outer_middleware(UpdateMetrics())
    dispatcher.update.outer_middleware(FloodGuard(counter, settings.flood_limit, ctx.catalogs))
    dispatcher.update.outer_middleware(OnePersonAtATime(dispatcher.fsm, isolation or PerPersonIsolation()))
    dispatcher.update.outer_middleware(UnitOfWork(ctx))
    dispatcher.update.outer_middleware(
        LazyFSMContextMiddleware(storage, DisabledEventIsolation(), dispatcher.fsm.strategy)
    )
    ConsultI18nMiddleware(ctx.catalogs).setup(dispatcher)
    dispatcher.include_routers(*build_routers(ctx.settings))
    return dispatcher


def build_storage(ctx: AppContext) -> tuple[BaseStorage, BaseEventIsolation]:
    """Redis when configured (several processes share state and per-person locks), else the database."""
    if ctx.settings.redis_url:
        storage = RedisStorage.from_url(ctx.settings.redis_url)
        return storage, RedisEventIsolation(storage.redis)
    return SQLStorage(ctx.sessions, ctx.pseudonym_key, ctx.clock), PerPersonIsolation()


@dataclass
class Application:
    ctx: AppContext
    bot: Bot
    dispatcher: Dispatcher
    storage: BaseStorage
    isolation: BaseEventIsolation
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _sender_stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _sender_task: asyncio.Task[None] | None = None

    @classmethod
    async def create(
        cls,
        settings: Settings,
        clock: Clock | None = None,
        isolation: BaseEventIsolation | None = None,
        session: BaseSession | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> Application:
        """Everything wired. `session` replaces the HTTP transport to Telegram (the terminal preview);
        `sleep` is how waits asked by Telegram are waited (tests record them instead)."""
        bot = build_bot(settings, session, sleep)  # validates the token before anything else is touched
        try:
            await check_telegram(bot, settings)  # before the database: the commonest mistake, said first
            ctx = await build_context(settings, clock, load_catalogs(settings.default_locale))
        except BaseException:
            await bot.session.close()
            raise
        storage, default_isolation = build_storage(ctx)
        chosen = isolation or default_isolation
        return cls(ctx, bot, build_dispatcher(ctx, storage, chosen), storage, chosen)

    async def startup(self) -> User:
        """Who we are, and the command menus set; a failure to reach Telegram is a ConfigError."""
        me = await check_telegram(self.bot, self.ctx.settings)
        settings = self.ctx.settings
        await set_resident_profile(
            self.bot, self.ctx.catalogs, self.ctx.languages, settings.default_locale, settings.city_name
        )
        return me

    def webhook_handler(self) -> SecretWebhookHandler:
        return SecretWebhookHandler(self.dispatcher, self.bot, webhook_secret(self.ctx.settings))

    async def close(self) -> None:
        await self.bot.session.close()
        await self.storage.close()
        await self.isolation.close()
        await self.ctx.dispose()

    async def stop(self) -> None:
        """Ask a running `run_polling` or `run_webhook` to finish (what SIGTERM does)."""
        self._stopping.set()
        with contextlib.suppress(RuntimeError):  # "Polling is not started": webhook mode
            await self.dispatcher.stop_polling()

    async def run_polling(self, handle_signals: bool = True) -> None:
        me = await self.startup()
        await self.bot.delete_webhook(drop_pending_updates=False)
        health = None
        if self.ctx.settings.health_port is not None:
            health = await _serve(
                build_web_app(self.ctx), self.ctx.settings.host, self.ctx.settings.health_port
            )
        log.info("consultbot @%s polling (%s event loop)", me.username, loop_name())
        self._start_sender()
        try:
            await self.dispatcher.start_polling(
                self.bot,
                handle_signals=handle_signals,
                close_bot_session=False,
                allowed_updates=self.dispatcher.resolve_used_update_types(),
            )
        finally:
            await self._drain()
            await self._stop_sender()
            if health is not None:
                await health.cleanup()

    async def run_webhook(self, handle_signals: bool = True) -> None:
        settings = self.ctx.settings
        base_url = check_webhook_settings(settings)
        handler = self.webhook_handler()
        await self.startup()
        runner = await _serve(build_web_app(self.ctx, handler), settings.host, settings.port)
        health = None
        if settings.health_port is not None and settings.health_port != settings.port:
            health = await _serve(build_web_app(self.ctx), settings.host, settings.health_port)
        if settings.register_webhook:
            await self.set_webhook(base_url)
        log.info(
            "consultbot webhook on %s:%s%s (%s event loop)",
            settings.host,
            settings.port,
            settings.webhook_path,
            loop_name(),
        )
        if handle_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(sig, self._stopping.set)
        self._start_sender()
        try:
            await self.dispatcher.emit_startup(**self._workflow())
            await self._stopping.wait()
        finally:
            await runner.cleanup()  # waits for requests in flight, which carry their updates
            if health is not None:
                await health.cleanup()
            await self._stop_sender()
            await self.dispatcher.emit_shutdown(**self._workflow())

    async def set_webhook(self, base_url: str) -> None:
        """Register the webhook (once for every process behind the same URL: `consultbot set-webhook`)."""
        settings = self.ctx.settings
        await self.bot.set_webhook(
            base_url.rstrip("/") + settings.webhook_path,
            secret_token=webhook_secret(settings),
            allowed_updates=self.dispatcher.resolve_used_update_types(),
        )

    def _start_sender(self) -> None:
        """SENDER=inline: the outbox is delivered by a task of this process (the bot runs alone)."""
        if self.ctx.settings.sender != "inline":
            return
        sender = Sender(build_sender_bot(self.ctx.settings), self.ctx, build_limiter(self.ctx))
        self._sender_stopping.clear()
        self._sender_task = asyncio.create_task(self._run_sender(sender))

    async def _run_sender(self, sender: Sender) -> None:
        try:
            await sender.run(self._sender_stopping)
        finally:
            await sender.close()

    async def _stop_sender(self) -> None:
        """Let the sender finish the message in hand (drain), then stop it."""
        task, self._sender_task = self._sender_task, None
        if task is None:
            return
        self._sender_stopping.set()
        try:
            await asyncio.wait_for(task, timeout=30)
        except TimeoutError:
            log.warning("the sender did not stop in 30 s; its message in hand counts as interrupted")

    def _workflow(self) -> dict[str, Any]:
        """What aiogram hands startup and shutdown hooks when it polls, for the webhook mode too."""
        return {
            **self.dispatcher.workflow_data,
            "dispatcher": self.dispatcher,
            "bots": [self.bot],
            "bot": self.bot,
        }

    async def _drain(self) -> None:
        """aiogram does not wait for handler tasks when polling stops; let them finish."""
        tasks = set(self.dispatcher._handle_update_tasks)
        if tasks:
            await asyncio.wait(tasks, timeout=30)


def webhook_secret(settings: Settings) -> str:
    secret = settings.webhook_secret
    if secret is None or not secret.get_secret_value():
        raise ConfigError(
            "WEBHOOK_SECRET is not set: choose a random string of letters, digits, _ and - "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')."
        )
    return secret.get_secret_value()


def check_webhook_settings(settings: Settings) -> str:
    """Webhook mode needs a public address and a secret; say so before anything starts."""
    if not settings.webhook_base_url:
        raise ConfigError("WEBHOOK_BASE_URL is not set: the public https:// address Telegram should call.")
    webhook_secret(settings)
    return settings.webhook_base_url


async def _serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, handle_signals=False, access_log_class=FailedRequestsLogger)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
