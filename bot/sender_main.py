"""`consultbot sender`: the outbox sender as a process of its own, with /healthz and /metrics on
HEALTH_PORT. Stopped by SIGTERM or SIGINT, it finishes the message in hand first."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web

from bot.config import Settings
from bot.sender import Sender, build_limiter, build_sender_bot
from bot.setup import build_context
from bot.telegram import check_telegram
from bot.web import FailedRequestsLogger, build_web_app

log = logging.getLogger(__name__)


async def run_sender(settings: Settings, stopping: asyncio.Event | None = None) -> None:
    stopping = stopping or asyncio.Event()
    bot = build_sender_bot(settings)
    try:
        await check_telegram(bot, settings)
        ctx = await build_context(settings)
    except BaseException:
        await bot.session.close()
        raise
    sender = Sender(bot, ctx, build_limiter(ctx))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stopping.set)
    health: web.AppRunner | None = None
    try:
        if settings.health_port is not None:
            health = web.AppRunner(
                build_web_app(ctx), handle_signals=False, access_log_class=FailedRequestsLogger
            )
            await health.setup()
            await web.TCPSite(health, settings.host, settings.health_port).start()
        await sender.run(stopping)
    finally:
        if health is not None:
            await health.cleanup()
        await sender.close()
        await ctx.dispose()
