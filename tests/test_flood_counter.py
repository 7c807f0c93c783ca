"""The in-process flood counter: a sliding window per person, and no memory kept for people gone quiet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FrozenClock
from bot.flood import MemoryFloodCounter

WINDOW = 10.0


def counter_at(start: datetime) -> tuple[MemoryFloodCounter, FrozenClock]:
    clock = FrozenClock(start)
    return MemoryFloodCounter(clock, WINDOW), clock


async def test_counts_each_persons_updates_within_the_sliding_window() -> None:
    counter, clock = counter_at(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    assert [await counter.hit(1) for _ in range(3)] == [1, 2, 3]
    assert await counter.hit(2) == 1
    clock.advance(timedelta(seconds=6))
    assert await counter.hit(1) == 4
    clock.advance(timedelta(seconds=5))  # the first three are now a window old
    assert await counter.hit(1) == 2
    assert await counter.hit(2) == 1


async def test_people_gone_quiet_are_forgotten_however_many_wrote() -> None:
    counter, clock = counter_at(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    most = 0
    for person in range(30_000):  # a crowd, each writing twice then going away: 100 a second
        await counter.hit(person)
        await counter.hit(person)
        if person % 100 == 99:
            clock.advance(timedelta(seconds=1))
        most = max(most, counter.tracked)
    # the people of the last window or two (1,000 a window), never the crowd
    assert most <= 2 * 1_000 + 100
    clock.advance(timedelta(seconds=2 * WINDOW))
    assert await counter.hit(99_999) == 1
    assert counter.tracked == 1


async def test_a_person_flooding_across_a_forgetting_keeps_their_count() -> None:
    counter, clock = counter_at(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    await counter.hit(1)
    for _ in range(4):
        clock.advance(timedelta(seconds=3))
        await counter.hit(1)
    # 12 s in: the forgetting at 10 s kept person 1, who wrote within the window: their hits at 3, 6, 9
    # and 12 s count, and this one
    assert await counter.hit(1) == 5


async def test_a_clock_set_back_does_not_stop_the_forgetting() -> None:
    counter, clock = counter_at(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
    await counter.hit(1)
    clock.set(datetime(2025, 3, 1, 8, 0, tzinfo=UTC))
    await counter.hit(2)
    clock.advance(timedelta(seconds=WINDOW + 1))
    await counter.hit(3)
    assert counter.tracked == 1  # person 3 only: person 2 went quiet, person 1's hit is "in the future"
