"""Prometheus metrics (GET /metrics): updates handled, errors by kind, handling time, the outbox's depth
and send rate, 429s received. Labels are kinds, never people."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

UPDATES = Counter("consultbot_updates_total", "Telegram updates handled, by type", ["type"])
DUPLICATES = Counter("consultbot_updates_duplicate_total", "Updates delivered again and skipped")
ERRORS = Counter("consultbot_update_errors_total", "Updates that failed, by kind of error", ["kind"])
HANDLING = Histogram(
    "consultbot_update_seconds",
    "Time to handle one update, database commit included",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
OUTBOX_DEPTH = Gauge("consultbot_outbox_depth", "Messages of queued jobs still to send")
SENT = Counter("consultbot_outbox_messages_total", "Outbox messages finished, by outcome", ["outcome"])
RETRY_AFTER = Counter("consultbot_telegram_429_total", "429 Too Many Requests answers received")


class UpdateMetrics(BaseMiddleware):
    """Outermost of our update middlewares: counts and times every update, and its error if any."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        kind = event.event_type if isinstance(event, Update) else type(event).__name__
        started = time.perf_counter()
        try:
            return await handler(event, data)
        except Exception as exc:
            ERRORS.labels(type(exc).__name__).inc()
            raise
        finally:
            UPDATES.labels(kind).inc()
            HANDLING.observe(time.perf_counter() - started)


async def metrics_view(_request: web.Request) -> web.Response:
    response = web.Response(body=generate_latest(REGISTRY))
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    response.charset = "utf-8"
    return response
