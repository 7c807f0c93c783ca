"""Per-person isolation: one update at a time per person, and no lock kept once a person is done."""

from __future__ import annotations

import asyncio

from aiogram.fsm.storage.base import StorageKey

from bot.isolation import PerPersonIsolation


def key(user: int) -> StorageKey:
    return StorageKey(bot_id=1, chat_id=user, user_id=user)


async def test_updates_of_one_person_never_interleave_and_locks_are_dropped() -> None:
    isolation = PerPersonIsolation()
    order: list[str] = []

    async def update(user: int, name: str, pause: asyncio.Event | None = None) -> None:
        async with isolation.lock(key(user)):
            order.append(f"{name} in")
            if pause is not None:
                await pause.wait()
            order.append(f"{name} out")

    gate = asyncio.Event()
    first = asyncio.create_task(update(1, "a", gate))
    second = asyncio.create_task(update(1, "b"))
    other = asyncio.create_task(update(2, "c"))
    await asyncio.sleep(0)
    await other
    assert isolation.held == 1
    gate.set()
    await asyncio.gather(first, second)
    assert order == ["a in", "c in", "c out", "a out", "b in", "b out"]
    assert isolation.held == 0
