"""The sender delivers the outbox once per resident and job, within Telegram's limits, through faults:
429 storms, server errors, blocked residents, a sender killed mid-job, two senders at once."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.db.models import Contact, JobKind, JobStatus, OutboxJob, OutboxMessage
from bot.ratelimit import MemoryLimiter, RedisLimiter
from bot.sender import Sender, build_sender_bot
from tests.conftest import START, TEST_REDIS_URL
from tests.fake_telegram import FakeTelegram
from tests.harness import Running
from tests.outbox_support import ClockSleep, queue, received, seed, sender_for


async def statuses(bot: Running, job_id: int) -> dict[str, int]:
    async with bot.session() as session:
        rows = await session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.job_id == job_id)
            .group_by(OutboxMessage.status)
        )
        return {str(status): int(n) for status, n in rows}


async def job_status(bot: Running, job_id: int) -> JobStatus:
    async with bot.session() as session:
        job = await session.get(OutboxJob, job_id)
        assert job is not None
        return job.status


async def test_two_senders_drain_one_outbox_each_resident_gets_exactly_one(
    bot: Running, tg: FakeTelegram, backend: str
) -> None:
    """Two senders at once (SKIP LOCKED on PostgreSQL, sharing the rate through Redis when configured):
    every resident gets exactly one message, both senders take part, the job finishes."""
    size = 1000 if backend == "postgres" else 200
    rnd = await bot.open_round(payload="learning")
    ids = await seed(bot, tg, size)
    job_id = await queue(bot, JobKind.BROADCAST, rnd.id)
    tg.rate_limit(
        per_second=30, per_chat_per_second=1, clock=lambda: (bot.clock.now() - START).total_seconds()
    )

    def limiter() -> MemoryLimiter | RedisLimiter:
        if TEST_REDIS_URL and backend == "postgres":
            from redis.asyncio import Redis

            return RedisLimiter(Redis.from_url(TEST_REDIS_URL), bot.clock, 30, owned=True)
        return shared

    shared = MemoryLimiter(bot.clock, 30)
    async with sender_for(bot, limiter(), name="a") as (a, _), sender_for(bot, limiter(), name="b") as (b, _):
        handled = await asyncio.gather(a.drain(), b.drain())
    assert sum(handled) == size
    assert min(handled) > 0, f"both senders should take part: {handled}"
    per_chat = Counter(m.chat_id for m in tg.sent)
    assert all(per_chat[i] == 1 for i in ids)
    assert len(tg.sent) == size
    assert await statuses(bot, job_id) == {"sent": size}
    assert await job_status(bot, job_id) is JobStatus.DONE


async def test_one_sender_stays_within_telegrams_limits(bot: Running, tg: FakeTelegram) -> None:
    """Against a Telegram enforcing 30 messages a second and 1 per chat, the sender never gets a 429:
    its waits alone pace it, at 30 a second."""
    rnd = await bot.open_round(payload="learning")
    await seed(bot, tg, 90)
    await queue(bot, JobKind.BROADCAST, rnd.id)
    tg.rate_limit(
        per_second=30, per_chat_per_second=1, clock=lambda: (bot.clock.now() - START).total_seconds()
    )
    started = bot.clock.now()
    async with sender_for(bot) as (sender, _sleeps):
        assert await sender.drain() == 90
    assert not [r for r in tg.requests if r.status == 429]
    assert (bot.clock.now() - started).total_seconds() == pytest.approx(89 / 30, abs=0.01)


async def test_a_429_storm_slows_sending_nothing_lost_nothing_doubled(bot: Running, tg: FakeTelegram) -> None:
    """Telegram answers 429 retry_after=3 five times: the sender waits exactly 3 s each time (no other
    wait in between is that long), then every resident gets their message once."""
    rnd = await bot.open_round(payload="learning")
    ids = await seed(bot, tg, 20)
    job_id = await queue(bot, JobKind.BROADCAST, rnd.id)
    tg.fail("sendMessage", times=5, status=429, retry_after=3)
    async with sender_for(bot) as (sender, sleeps):
        assert await sender.drain() == 20
    assert [round(s, 6) for s in sleeps if s > 1] == [3.0] * 5
    assert all(s == pytest.approx(1 / 30, abs=1e-5) for s in sleeps if 0 < s < 1)
    assert all(received(tg, i) == ["Hello"] for i in ids)
    assert await statuses(bot, job_id) == {"sent": 20}


async def test_a_stricter_telegram_slows_the_sender_down(bot: Running, tg: FakeTelegram) -> None:
    """A Telegram allowing only 10 messages a second answers 429s: the sender honours them and goes on;
    every message arrives once, and the overall pace stays within what Telegram allowed."""
    rnd = await bot.open_round(payload="learning")
    ids = await seed(bot, tg, 60)
    await queue(bot, JobKind.BROADCAST, rnd.id)
    tg.rate_limit(
        per_second=10, per_chat_per_second=1, clock=lambda: (bot.clock.now() - START).total_seconds()
    )
    started = bot.clock.now()
    async with sender_for(bot) as (sender, _sleeps):
        await sender.drain()
    assert all(len(received(tg, i)) == 1 for i in ids)
    assert [r for r in tg.requests if r.status == 429], "the storm happened"
    assert (bot.clock.now() - started).total_seconds() >= 5.0


async def test_server_errors_back_off_capped_then_fail(bot: Running, tg: FakeTelegram) -> None:
    """502s are retried after 1, 2, 4, 8 s (capped); a message that keeps failing counts as failed and the
    job goes on."""
    rnd = await bot.open_round(payload="learning")
    first, second = await seed(bot, tg, 2)
    job_id = await queue(bot, JobKind.BROADCAST, rnd.id)
    tg.fail("sendMessage", times=5, status=502)
    async with sender_for(bot, max_backoff=4.0) as (sender, sleeps):
        await sender.drain()
    assert [s for s in sleeps if s >= 1] == [1.0, 2.0, 4.0, 4.0]
    assert received(tg, first) == []
    assert received(tg, second) == ["Hello"]
    assert await statuses(bot, job_id) == {"failed": 1, "sent": 1}


async def test_a_blocked_resident_is_marked_and_later_jobs_skip_them(bot: Running, tg: FakeTelegram) -> None:
    """403 → the resident is unreachable, the job goes on; the next job does not even queue them."""
    rnd = await bot.open_round(payload="learning")
    ids = await seed(bot, tg, 3)
    tg.block(ids[1])
    job_id = await queue(bot, JobKind.BROADCAST, rnd.id)
    async with sender_for(bot) as (sender, _):
        await sender.drain()
    assert await statuses(bot, job_id) == {"sent": 2, "blocked": 1}
    async with bot.session() as session:
        blocked = await session.scalar(select(Contact).where(Contact.telegram_id == ids[1]))
    assert blocked is not None and blocked.unreachable_since is not None
    other = await bot.open_round(payload="other")
    second = await queue(bot, JobKind.BROADCAST, other.id)
    async with bot.session() as session:
        job = await session.get(OutboxJob, second)
    assert job is not None and job.total == 2
    assert received(tg, ids[1]) == []


async def test_a_sender_killed_mid_job_and_restarted_finishes_without_duplicates(
    bot: Running, tg: FakeTelegram
) -> None:
    """The sender dies while Telegram is delivering a message (the answer never comes back). A new sender
    finishes the job; the interrupted message is not sent again (it may have arrived: here it did), its
    claim expires after the lease and counts as failed."""
    rnd = await bot.open_round(payload="learning")
    ids = await seed(bot, tg, 10)
    job_id = await queue(bot, JobKind.BROADCAST, rnd.id)
    async with sender_for(bot, name="first") as (first, _):
        assert await first.send_next()
        assert await first.send_next()
        tg.fail("sendMessage", times=1, status=None, delay=5.0, effect_first=True)
        task = asyncio.create_task(first.send_next())
        await tg.wait_until(lambda: len(tg.sent) == 3, timeout=5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert await statuses(bot, job_id) == {"sent": 2, "sending": 1, "queued": 7}
    async with sender_for(bot, name="second") as (second, _):
        assert await second.drain() == 7
        assert await job_status(bot, job_id) is JobStatus.QUEUED  # one claim still open
        bot.clock.advance(timedelta(minutes=6))
        await second.tick()
    assert all(len(received(tg, i)) == 1 for i in ids)
    assert await statuses(bot, job_id) == {"sent": 9, "failed": 1}
    assert await job_status(bot, job_id) is JobStatus.DONE


async def test_withdrawn_consent_between_queue_and_send_is_respected(bot: Running, tg: FakeTelegram) -> None:
    """A resident who says /stop after the job was queued gets nothing from it."""
    rnd = await bot.open_round(payload="learning")
    ids = await seed(bot, tg, 2)
    job_id = await queue(bot, JobKind.BROADCAST, rnd.id)
    async with bot.services() as services:
        contact = await services.contacts.find(ids[0])
        assert contact is not None
        await services.notifications.stop_all(contact, "en")
    async with sender_for(bot) as (sender, _):
        await sender.drain()
    assert received(tg, ids[0]) == []
    assert await statuses(bot, job_id) == {"sent": 1, "skipped": 1}


async def test_texts_fall_back_to_the_default_language(bot: Running, tg: FakeTelegram) -> None:
    """Residents get the text in their language, or in the default language (French) when it is missing."""
    rnd = await bot.open_round(payload="learning")
    (english,) = await seed(bot, tg, 1, language="en")
    (arabic,) = await seed(bot, tg, 1, language="ar", first_id=8_200_000_000)
    await queue(bot, JobKind.BROADCAST, rnd.id, {"en": "Hello", "fr": "Bonjour"})
    async with sender_for(bot) as (sender, _):
        await sender.drain()
    assert received(tg, english) == ["Hello"]
    assert received(tg, arabic) == ["Bonjour"]


async def test_the_per_chat_limit_spaces_an_attachment_and_its_text(bot: Running, tg: FakeTelegram) -> None:
    """A chart and its text to the same resident are a second apart (1 message per second per chat)."""
    rnd = await bot.open_round(payload="learning")
    (one,) = await seed(bot, tg, 1, results=True, results_round=rnd.id)
    photo = tg.add_file("chart-file-id", b"\x89PNG chart", filename="chart.png", mime_type="image/png")
    await queue(bot, JobKind.RESULTS, rnd.id, {"fr": "Merci"}, attachment=("photo", photo.file_id))
    tg.rate_limit(
        per_second=30, per_chat_per_second=1, clock=lambda: (bot.clock.now() - START).total_seconds()
    )
    async with sender_for(bot) as (sender, sleeps):
        await sender.drain()
    assert [m.kind for m in tg.sent if m.chat_id == one] == ["photo", "text"]
    assert sleeps[:1] == [pytest.approx(1.0)]


async def test_a_running_sender_delivers_new_jobs_and_stops_cleanly(bot: Running, tg: FakeTelegram) -> None:
    """`run` picks up a job queued while it runs, finishes it, and returns promptly once asked to stop."""
    rnd = await bot.open_round(payload="learning")
    ids = await seed(bot, tg, 3)
    ctx = bot.app.ctx
    sender = Sender(build_sender_bot(ctx.settings), ctx, MemoryLimiter(bot.clock, 30), name="running")
    stopping = asyncio.Event()
    task = asyncio.create_task(sender.run(stopping))
    try:
        job_id = await queue(bot, JobKind.BROADCAST, rnd.id)
        await tg.wait_until(lambda: all(received(tg, i) for i in ids), timeout=10)
        stopping.set()
        await asyncio.wait_for(task, timeout=5)
    finally:
        task.cancel()
        await sender.close()
    assert await statuses(bot, job_id) == {"sent": 3}
    assert await job_status(bot, job_id) is JobStatus.DONE


async def test_senders_share_the_rate_and_a_429_pause_through_redis(clock: FrozenClock) -> None:
    """Two senders' limiters on one Redis: the second reserves the slot after the first's, and a 429 seen
    by one makes the other wait exactly retry_after too."""
    if not TEST_REDIS_URL:
        pytest.skip("Redis not configured: set TEST_REDIS_URL to run this")
    from redis.asyncio import Redis

    redis = Redis.from_url(TEST_REDIS_URL)
    prefix = f"test:{uuid.uuid4().hex}"  # other tests may share (and flush) this Redis database
    one = RedisLimiter(redis, clock, 30, prefix=prefix)
    two = RedisLimiter(Redis.from_url(TEST_REDIS_URL), clock, 30, owned=True, prefix=prefix)
    try:
        assert await one.reserve(1) == 0.0
        assert await two.reserve(2) == pytest.approx(1 / 30, abs=1e-5)
        assert await two.reserve(1) == pytest.approx(1.0)  # chat 1 had a message at 0: 1 s apart
        await one.pause(3)
        assert await two.reserve(3) == pytest.approx(3.0)
    finally:
        await two.close()
        await redis.aclose()


async def _window_is_shared(
    one: MemoryLimiter | RedisLimiter, two: MemoryLimiter | RedisLimiter, clock: FrozenClock
) -> None:
    """Three calls a second between two senders: what one has answered, or still has on the wire, counts
    for the other; a slot frees exactly a second after the answer that took it."""
    assert await one.admit("one:1") == 0.0
    await one.answered("one:1")
    clock.advance(timedelta(milliseconds=100))
    assert await two.admit("two:1") == 0.0  # on the wire, not yet answered
    assert await one.admit("one:2") == 0.0
    await one.answered("one:2")
    clock.advance(timedelta(milliseconds=100))
    assert await one.admit("one:3") == pytest.approx(0.8)  # one:1 leaves the window at 1.0 s
    await two.answered("two:1")
    clock.advance(timedelta(milliseconds=800))
    assert await two.admit("two:2") == 0.0


async def test_senders_share_telegrams_window_in_one_process(clock: FrozenClock) -> None:
    shared = MemoryLimiter(clock, 30, window=3)
    await _window_is_shared(shared, shared, clock)


async def test_senders_share_telegrams_window_through_redis(clock: FrozenClock) -> None:
    """Two sender processes' limiters on one Redis (bench/RESULTS.md, "Broadcast": with a window per
    sender, two senders got a 429 every 3.4 s)."""
    if not TEST_REDIS_URL:
        pytest.skip("Redis not configured: set TEST_REDIS_URL to run this")
    from redis.asyncio import Redis

    prefix = f"test:{uuid.uuid4().hex}"
    one = RedisLimiter(Redis.from_url(TEST_REDIS_URL), clock, 30, window=3, owned=True, prefix=prefix)
    two = RedisLimiter(Redis.from_url(TEST_REDIS_URL), clock, 30, window=3, owned=True, prefix=prefix)
    try:
        await _window_is_shared(one, two, clock)
        # a call whose sender died on the wire stops counting once its lease is over
        clock.advance(timedelta(milliseconds=200))  # the answers have left the window; two:2 is on the wire
        assert await one.admit("one:4") == 0.0
        assert await one.admit("one:5") == 0.0
        assert await two.admit("two:3") > 0
        clock.advance(timedelta(seconds=91))
        assert await two.admit("two:3") == 0.0
    finally:
        await one.close()
        await two.close()


class ForgetfulWindow(MemoryLimiter):
    """A window whose store fails after each call (Redis gone for a moment)."""

    async def answered(self, call: str) -> None:
        raise ConnectionError("redis went away")


async def test_a_window_that_cannot_record_an_answer_loses_no_outcome(bot: Running, tg: FakeTelegram) -> None:
    """The messages were sent: they are recorded as sent, once each, though the window could not be told."""
    rnd = await bot.open_round(payload="learning")
    ids = await seed(bot, tg, 3)
    job_id = await queue(bot, JobKind.BROADCAST, rnd.id)
    async with sender_for(bot, ForgetfulWindow(bot.clock, 30)) as (sender, _sleeps):
        assert await sender.drain() == 3
    assert all(received(tg, i) == ["Hello"] for i in ids)
    assert await statuses(bot, job_id) == {"sent": 3}


async def test_a_running_sender_in_lanes_sends_each_message_once_through_429s(
    bot: Running, tg: FakeTelegram
) -> None:
    """`run` keeps several messages claimed at once (its lanes) but puts one call on the wire at a time:
    through a 429 storm every resident gets the message exactly once, and the job ends done. (The exact
    waits are asserted with `drain` above: with several coroutines moving one frozen clock, a wait here
    is shortened by the others'.)"""
    rnd = await bot.open_round(payload="learning")
    ids = await seed(bot, tg, 40)
    job_id = await queue(bot, JobKind.BROADCAST, rnd.id)
    tg.fail("sendMessage", times=4, status=429, retry_after=3)
    ctx = bot.app.ctx
    sleeps = ClockSleep(bot.clock)
    sender = Sender(build_sender_bot(ctx.settings), ctx, MemoryLimiter(bot.clock, 30), sleeps, name="lanes")
    stopping = asyncio.Event()
    task = asyncio.create_task(sender.run(stopping))
    try:
        await tg.wait_until(lambda: all(received(tg, i) for i in ids), timeout=30)
        stopping.set()
        await asyncio.wait_for(task, timeout=10)
    finally:
        task.cancel()
        await sender.close()
    assert all(received(tg, i) == ["Hello"] for i in ids)
    assert len([r for r in tg.requests if r.status == 429]) == 4
    assert sleeps  # every wait went through the injected sleep
    assert await statuses(bot, job_id) == {"sent": 40}
    assert await job_status(bot, job_id) is JobStatus.DONE
