"""Simulated residents: the test suite's scripted journey through the shipped survey, run by many at once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from tests.fake_telegram import FakeUser
from tests.flows.journey import PAYLOAD, agree, answer_first_part, answer_rest

from .harness import BenchTelegram, JsonDict

FIRST_RESIDENT_ID = 8_000_000_000
SUBMIT = "✅ Send my answers"
# The journey answers all 14 questions it meets (2 of them skipped, stored as null): see
# tests/flows/test_journey.py, which checks the very same answers.
ANSWERS_PER_JOURNEY = 14

Script = Callable[[FakeUser], Awaitable[None]]


async def whole_survey(resident: FakeUser) -> None:
    """From the deep link to Submit."""
    await agree(resident, PAYLOAD)
    await answer_first_part(resident)
    await answer_rest(resident)
    await resident.press(SUBMIT)


async def stop_mid_survey(resident: FakeUser) -> None:
    """Deep link, consent, the first question answered; then the resident goes away."""
    await agree(resident, PAYLOAD)
    await resident.press("Digital skills: computer, smartphone, online forms")
    await resident.press("Done ✅")


async def stop_at_first_question(resident: FakeUser) -> None:
    """Deep link and consent: the response is started and the first question shown; then they go away."""
    await agree(resident, PAYLOAD)


@dataclass
class Crowd:
    """What a crowd of residents did."""

    finished: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def resident(tg: BenchTelegram, number: int) -> FakeUser:
    """Resident ``number`` (0-based), whose Telegram speaks English (the scripts press English texts)."""
    return tg.user(user_id=FIRST_RESIDENT_ID + number, first_name=f"R{number}", language_code="en")


async def run_crowd(
    tg: BenchTelegram,
    numbers: Iterable[int],
    script: Script,
    concurrency: int | None = None,
    forget: bool = False,
) -> Crowd:
    """Residents ``numbers`` each run ``script``; at most ``concurrency`` at a time (None: all at once)."""
    crowd = Crowd()
    gate = asyncio.Semaphore(concurrency) if concurrency else None

    async def one(number: int) -> None:
        user = resident(tg, number)
        try:
            if gate is None:
                await script(user)
            else:
                async with gate:
                    await script(user)
            crowd.finished += 1
        except Exception as exc:
            crowd.failed += 1
            if len(crowd.errors) < 5:
                crowd.errors.append(f"resident {number}: {type(exc).__name__}: {exc}"[:500])
        finally:
            if forget:
                tg.forget_chat(user.chat_id)

    await asyncio.gather(*(one(n) for n in numbers))
    return crowd


async def replay(tg: BenchTelegram, recorded: dict[int, list[JsonDict]]) -> Crowd:
    """Deliver each chat's recorded updates in order, all chats at once (the floor's load)."""
    crowd = Crowd()

    async def one(updates: list[JsonDict]) -> None:
        for update in updates:
            status = await tg.deliver(update)
            if status != 200:
                crowd.failed += 1
                return
        crowd.finished += 1

    await asyncio.gather(*(one(updates) for updates in recorded.values()))
    return crowd
