"""The sender: delivers the outbox within Telegram's limits, once per resident and job.

It claims one message at a time (see `Outbox.claim`), checks the resident may still get it (reachable,
still consenting), sends it and records the outcome, each step committed on its own. Several senders can
run at once, in several processes: claims never overlap, and with Redis they share the overall rate and
Telegram's one-second window.
A running sender works in `LANES` lanes, each claiming, sending and recording a message of its own: while
one waits for its turn, the next message is already claimed, so a slow moment of the database does not
cost a turn. The messages still go out one at a time (see `_send`).

It aims at `PACE` of SEND_RATE. Telegram counts the messages of every second: sends paced at exactly 30 a
second reach it a few milliseconds early or late, some second then holds 31, and the 429 that follows
costs a whole second (bench/RESULTS.md, "Broadcast").

- 429: every sender waits exactly `retry_after` (the shared schedule is pushed back), then tries again.
- 5xx and network errors: capped exponential backoff, then the message counts as failed.
- 403: the resident blocked the bot; they are marked unreachable and no later job reaches them.
- A sender stopped cleanly finishes the messages in hand and gives back those it had not tried; a sender
  that died mid-send leaves its claims (one per lane) to expire after `lease` and count as failed
  ("interrupted"), never sent again: a message may have reached the resident, and nothing is sent twice.

Waits go through the injected `sleep` and time through the context's clock, so tests see every wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import update

from bot.config import Settings
from bot.context import AppContext
from bot.db.models import Contact, DeliveryStatus, JobKind, OutboxJob
from bot.metrics import OUTBOX_DEPTH, RETRY_AFTER, SENT
from bot.ratelimit import MemoryLimiter, RedisLimiter, SendLimiter
from bot.services.container import Services
from bot.services.outbox import Claimed, label_for, text_for
from bot.telegram_retry import Sleep
from bot.telegram_session import JsonSession

log = logging.getLogger(__name__)
PROCESSED_UPDATES_KEPT = timedelta(days=1)
LANES = 3  # messages a running sender has in hand at once
PACE = 0.97  # of SEND_RATE: 30 ms of slack in each second for the sends' jitter
Call = Callable[[], Awaitable[Any]]


def build_sender_bot(settings: Settings) -> Bot:
    """A Bot of its own, without the retrying middleware: the sender handles 429s and errors itself."""
    session = JsonSession(api=TelegramAPIServer.from_base(settings.telegram_api_url.rstrip("/")))
    return Bot(settings.token(), session=session)


def build_limiter(ctx: AppContext) -> SendLimiter:
    """Shared through Redis when REDIS_URL is set (several senders), else in this process; the schedule at
    `PACE` of SEND_RATE, the window at SEND_RATE."""
    rate = ctx.settings.send_rate * PACE
    window = max(1, int(ctx.settings.send_rate))
    if ctx.settings.redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(ctx.settings.redis_url)
        return RedisLimiter(redis, ctx.clock, rate, window=window, owned=True)
    return MemoryLimiter(ctx.clock, rate, window=window)


class Sender:
    def __init__(
        self,
        bot: Bot,
        ctx: AppContext,
        limiter: SendLimiter,
        sleep: Sleep = asyncio.sleep,
        *,
        name: str | None = None,
        attempts: int = 5,
        first_backoff: float = 1.0,
        max_backoff: float = 30.0,
        lease: timedelta = timedelta(minutes=5),
        lanes: int = LANES,
    ) -> None:
        self._bot = bot
        self._ctx = ctx
        self._limiter = limiter
        self._sleep = sleep
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._attempts = attempts
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._lease = lease
        self._lanes = lanes
        self._jobs: dict[int, OutboxJob] = {}
        self._stopping = asyncio.Event()
        self._pauses = 0  # 429s seen: a lane that reserved its turn before one waits for a new turn
        self._turn = asyncio.Lock()
        self._calls = 0  # names this sender's calls in the limiter's window

    async def close(self) -> None:
        await self._bot.session.close()
        await self._limiter.close()

    # --- one message ---------------------------------------------------------------------------------

    async def send_next(self) -> bool:
        """Claim one message and deliver it; False when there was nothing to send."""
        async with self._ctx.sessions.begin() as session:
            claimed = await Services(session, self._ctx).outbox.claim(self.name)
        if claimed is None:
            return False
        job = await self._job(claimed.job_id)
        error: str | None
        if not claimed.reachable:
            status, error = DeliveryStatus.BLOCKED, "unreachable"
        elif not claimed.consents:
            status, error = DeliveryStatus.SKIPPED, "no consent"
        else:
            outcome = await self._deliver(claimed, job)
            if outcome is None:  # stopping before the first try: give it back
                async with self._ctx.sessions.begin() as session:
                    await Services(session, self._ctx).outbox.release(claimed.message_id)
                return True
            status, error = outcome
        async with self._ctx.sessions.begin() as session:
            await Services(session, self._ctx).outbox.mark(claimed.message_id, status, error)
            if status is DeliveryStatus.BLOCKED:
                await session.execute(
                    update(Contact)
                    .where(Contact.id == claimed.contact_id, Contact.unreachable_since.is_(None))
                    .values(unreachable_since=self._ctx.clock.now())
                )
        SENT.labels(status.value).inc()
        return True

    async def _job(self, job_id: int) -> OutboxJob:
        """A job's texts never change once queued: read once per sender."""
        job = self._jobs.get(job_id)
        if job is None:
            async with self._ctx.sessions() as session:
                job = await Services(session, self._ctx).outbox.get(job_id)
            self._jobs[job_id] = job
        return job

    async def _deliver(self, claimed: Claimed, job: OutboxJob) -> tuple[DeliveryStatus, str | None] | None:
        chat_id = claimed.chat_id
        calls: list[Call] = []
        if job.attachment_file_id is not None:
            file_id = job.attachment_file_id
            if job.attachment_kind == "photo":
                calls.append(lambda: self._bot.send_photo(chat_id, file_id))
            else:
                calls.append(lambda: self._bot.send_document(chat_id, file_id))
        text = text_for(job, claimed.language)
        label = label_for(job, claimed.language)
        keyboard = None
        if label is not None and job.button_url is not None:
            keyboard = InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text=label, url=job.button_url)]]
            )
        calls.append(lambda: self._bot.send_message(chat_id, text, reply_markup=keyboard))
        for number, call in enumerate(calls):
            outcome = await self._call(claimed, call, first=number == 0)
            if outcome is None or outcome[0] is not DeliveryStatus.SENT:
                return outcome
        return DeliveryStatus.SENT, None

    async def _call(
        self, claimed: Claimed, call: Call, *, first: bool
    ) -> tuple[DeliveryStatus, str | None] | None:
        backoff = self._first_backoff
        failures = 0
        while True:
            if self._stopping.is_set() and first:
                return None
            pauses = self._pauses
            wait = await self._limiter.reserve(claimed.chat_id)
            if wait > 0:
                await self._sleep(wait)
            if self._pauses != pauses:  # another lane got a 429 meanwhile: its pause holds for us too
                continue
            try:
                await self._send(call)
            except TelegramRetryAfter as exc:
                RETRY_AFTER.inc()
                log.info("sender: Telegram asked to wait %ss (429)", exc.retry_after)
                self._pauses += 1
                await self._limiter.pause(float(exc.retry_after))
                await self._renew(claimed)
                continue
            except TelegramForbiddenError:
                return DeliveryStatus.BLOCKED, "forbidden"
            except (TelegramServerError, TelegramNetworkError) as exc:
                failures += 1
                if failures >= self._attempts:
                    log.warning(
                        "sender: giving up a message after %d attempts: %s", failures, type(exc).__name__
                    )
                    return DeliveryStatus.FAILED, type(exc).__name__[:64]
                log.info("sender: %s, retrying in %.1fs", type(exc).__name__, backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                await self._renew(claimed)
                continue
            except TelegramBadRequest as exc:
                log.warning("sender: Telegram refused a message: %s", exc.message[:120])
                return DeliveryStatus.FAILED, "bad request"
            except TelegramAPIError as exc:
                return DeliveryStatus.FAILED, type(exc).__name__[:64]
            return DeliveryStatus.SENT, None

    async def _send(self, call: Call) -> None:
        """One call of this sender on the wire at a time, once the limiter's window admits it: fewer than
        SEND_RATE calls of all senders answered in the last second or still on the wire. An answer comes
        after Telegram counted the message, so Telegram never counts more than SEND_RATE in one second,
        however late some went out: otherwise lanes (or senders) held up together by a stalled moment
        would send at once, and the schedule would go on as if they had not."""
        async with self._turn:
            self._calls += 1
            name = f"{self.name}:{self._calls}"
            while (wait := await self._limiter.admit(name)) > 0:
                await self._sleep(wait)
            try:
                await call()
            finally:
                await self._answered(name)

    async def _answered(self, name: str) -> None:
        """Tell the window the call was answered. Failing to (Redis gone for a moment) must not lose the
        outcome of a message already sent: the call then counts as on the wire until its lease ends."""
        try:
            await self._limiter.answered(name)
        except Exception as exc:
            log.warning("sender: could not record an answered call in the window: %s", type(exc).__name__)

    async def _renew(self, claimed: Claimed) -> None:
        async with self._ctx.sessions.begin() as session:
            await Services(session, self._ctx).outbox.touch(claimed.message_id)

    # --- housekeeping --------------------------------------------------------------------------------

    async def tick(self) -> list[OutboxJob]:
        """Periodic work: finish jobs (a results job's links go with it), expire dead claims, purge old
        update ids. (Results links past RETENTION_DAYS go in the general retention purge.)"""
        now = self._ctx.clock.now()
        async with self._ctx.sessions.begin() as session:
            services = Services(session, self._ctx)
            outbox = services.outbox
            expired = await outbox.expire_claims(now - self._lease)
            if expired:
                log.warning("sender: %d message(s) interrupted by a stopped sender, not sent again", expired)
            finished = await outbox.finish_jobs()
            for job in finished:
                log.info("sender: job %s (%s) finished", job.id, job.kind.value)
                if job.kind is JobKind.RESULTS and job.round_id is not None:
                    await services.notifications.purge_results_links(round_id=job.round_id)
            await services.processed_updates.purge(now - PROCESSED_UPDATES_KEPT)
            OUTBOX_DEPTH.set(await outbox.depth())
        return finished

    async def drain(self) -> int:
        """Send until nothing is left to claim, then tick; how many messages were handled."""
        handled = 0
        while await self.send_next():
            handled += 1
        await self.tick()
        return handled

    # --- running -------------------------------------------------------------------------------------

    async def run(self, stopping: asyncio.Event) -> None:
        """Until `stopping` is set: send in `lanes` lanes, and every SENDER_POLL_SECONDS tick (an idle
        lane looks for new work as often)."""
        self._stopping = stopping
        log.info("sender %s started", self.name)
        workers = [self._lane(stopping) for _ in range(self._lanes)]
        await asyncio.gather(self._housekeeping(stopping), *workers)
        try:  # a last look: jobs finished by the messages in hand
            await self.tick()
        except Exception:
            log.exception("sender: the last housekeeping failed; the next sender does it")
        log.info("sender %s stopped", self.name)

    async def _lane(self, stopping: asyncio.Event) -> None:
        poll = self._ctx.settings.sender_poll_seconds
        while not stopping.is_set():
            try:
                sent = await self.send_next()
            except Exception:  # the database or Telegram went away: log, wait, try again
                log.exception("sender: a round of sending failed; trying again")
                sent = False
            if not sent:
                await self._idle(stopping, poll)

    async def _housekeeping(self, stopping: asyncio.Event) -> None:
        poll = self._ctx.settings.sender_poll_seconds
        while not stopping.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("sender: housekeeping failed; trying again")
            await self._idle(stopping, poll)

    async def _idle(self, stopping: asyncio.Event, seconds: float) -> None:
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        watcher = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({sleeper, watcher}, return_when=asyncio.FIRST_COMPLETED)
        for task in (sleeper, watcher):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
