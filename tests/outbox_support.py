"""Helpers for outbox and sender tests: residents seeded in bulk, senders on the test clock, jobs."""

from __future__ import annotations

import asyncio
import math
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from bot.clock import FrozenClock
from bot.db.models import (
    Consent,
    ConsentKind,
    Contact,
    JobKind,
    Respondent,
    Response,
    ResponseStatus,
    ResultsLink,
)
from bot.ratelimit import MemoryLimiter, SendLimiter
from bot.sender import Sender, build_sender_bot
from tests.fake_telegram import FakeTelegram
from tests.harness import Running

FIRST_ID = 8_100_000_000


class ClockSleep(list[float]):
    """Stands in for asyncio.sleep: records each wait and moves the frozen clock on by it."""

    def __init__(self, clock: FrozenClock) -> None:
        super().__init__()
        self.clock = clock

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
        # The clock counts whole microseconds: round up, so a wait never ends before its slot.
        self.clock.advance(timedelta(microseconds=math.ceil(seconds * 1_000_000)))
        await asyncio.sleep(0)


async def seed(
    bot: Running,
    tg: FakeTelegram,
    count: int,
    *,
    first_id: int = FIRST_ID,
    language: str = "en",
    future: bool = True,
    results: bool = False,
    results_round: int | None = None,
    in_progress_round: int | None = None,
) -> list[int]:
    """`count` residents the fake knows, with the consents asked for; their Telegram ids."""
    ids = list(range(first_id, first_id + count))
    now = bot.clock.now()
    async with bot.session() as session:
        contacts = [Contact(telegram_id=i, chat_id=i, language=language, created_at=now) for i in ids]
        session.add_all(contacts)
        await session.flush()
        for contact in contacts:
            kinds = [ConsentKind.PRIVACY_NOTICE]
            kinds += [ConsentKind.NOTIFY_FUTURE] if future else []
            kinds += [ConsentKind.NOTIFY_RESULTS] if results else []
            session.add_all(
                Consent(contact_id=contact.id, kind=k, version=1, language=language, given_at=now)
                for k in kinds
            )
            if results_round is not None:
                session.add(ResultsLink(contact_id=contact.id, round_id=results_round, created_at=now))
            if in_progress_round is not None:
                respondent = Respondent(
                    id=secrets.token_hex(16),
                    contact_id=contact.id,
                    round_id=in_progress_round,
                    created_at=now,
                )
                session.add(respondent)
                await session.flush()
                session.add(
                    Response(
                        round_id=in_progress_round,
                        respondent_id=respondent.id,
                        language=language,
                        status=ResponseStatus.IN_PROGRESS,
                        started_at=now,
                        updated_at=now,
                    )
                )
        await session.commit()
    for i in ids:
        tg.chats[i] = {"id": i, "type": "private", "first_name": f"R{i}"}
    return ids


@asynccontextmanager
async def sender_for(
    bot: Running, limiter: SendLimiter | None = None, name: str = "test-sender", **options: object
) -> AsyncIterator[tuple[Sender, ClockSleep]]:
    sleeps = ClockSleep(bot.clock)
    ctx = bot.app.ctx
    sender = Sender(
        build_sender_bot(ctx.settings),
        ctx,
        limiter or MemoryLimiter(bot.clock, ctx.settings.send_rate),
        sleeps,
        name=name,
        **options,  # type: ignore[arg-type]
    )
    try:
        yield sender, sleeps
    finally:
        await sender.close()


async def queue(
    bot: Running, kind: JobKind, round_id: int, texts: dict[str, str] | None = None, **options: object
) -> int:
    """Draft and confirm a job as staff would; its id."""
    async with bot.services() as services:
        job = await services.outbox.draft(
            kind,
            round_id,
            texts or {"en": "Hello", "fr": "Bonjour"},
            by="staff-test",
            default_language="fr",
            **options,  # type: ignore[arg-type]
        )
        job = await services.outbox.confirm(job.id)
        return job.id


def received(tg: FakeTelegram, chat_id: int) -> list[str]:
    return [m.content for m in tg.sent if m.chat_id == chat_id]
