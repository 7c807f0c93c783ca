"""The HTTP side: Telegram's webhook (secret checked, answered after the update is processed),
GET /healthz for container health checks and GET /metrics for Prometheus."""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from aiohttp.payload import BytesPayload, Payload
from aiohttp.web_log import AccessLogger
from sqlalchemy import text

from bot.context import AppContext
from bot.delivery import Delivery, current_delivery
from bot.metrics import metrics_view
from bot.telegram_session import JSON, json_fields

log = logging.getLogger(__name__)
CONTEXT_KEY: web.AppKey[AppContext] = web.AppKey("consultbot_context", AppContext)
HEALTH_TIMEOUT_S = 3.0


class SecretWebhookHandler(SimpleRequestHandler):
    """aiogram's handler, but a missing or wrong secret is a 403 and nothing is processed, and updates
    are processed before Telegram gets its answer (so an answer is never acknowledged unsaved). An update
    that could not be saved because the database is unreachable is answered 500: Telegram delivers it
    again, and the processed-updates table makes sure it takes effect once."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret: str) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret)
        self._secret = secret

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            log.warning("webhook request refused: missing or wrong secret token")
            return web.Response(status=403, text="Forbidden")
        delivery = Delivery()
        token = current_delivery.set(delivery)
        try:
            response = await super().handle(request)
        finally:
            current_delivery.reset(token)
        if delivery.redeliver:
            return web.Response(status=500, text="Database unavailable, deliver again")
        return response

    def _build_response_writer(self, bot: Bot, result: TelegramMethod[Any] | None) -> Payload:
        """A call a handler returns (a settled question), as a JSON answer: Telegram takes one as for
        its calls (`bot.telegram_session`). aiogram's multipart form stays for an upload. (This overrides
        a private method of aiogram's handler: the aiogram version is pinned in pyproject.toml.)"""
        fields = json_fields(bot.session, bot, result) if result else None
        if result is None or fields is None:
            return super()._build_response_writer(bot, result)
        return BytesPayload(
            bot.session.json_dumps({"method": result.__api_method__, **fields}).encode(), content_type=JSON
        )


class FailedRequestsLogger(AccessLogger):
    """The access log keeps the requests that failed (a refused secret, a 500 asking Telegram to deliver
    again, an unknown path). Telegram's deliveries and the health checks succeed thousands of times a
    day; a line for each buried what an operator looks for and cost a few per cent of an update's CPU
    (bench/RESULTS.md §1). Each update handled is still logged once, by aiogram, with its duration."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if response.status >= 400:
            super().log(request, response, time)


async def healthz(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT_KEY]
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_S), ctx.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("health check failed: %s", type(exc).__name__)
        return web.json_response({"status": "unhealthy", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok"})


def build_web_app(ctx: AppContext, webhook: SecretWebhookHandler | None = None) -> web.Application:
    app = web.Application()
    app[CONTEXT_KEY] = ctx
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_view)
    if webhook is not None:
        webhook.register(app, path=ctx.settings.webhook_path)
    return app
