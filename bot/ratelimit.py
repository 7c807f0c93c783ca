"""Sending within Telegram's limits: about 30 messages a second overall, one a second per chat, and
nothing at all until a 429's `retry_after` has passed.

Each send reserves the next free slot of the overall schedule and of its chat's, and waits until both
have come; a 429 pushes the overall schedule back by exactly `retry_after`. Time is the injected clock's:
the limiter returns how long to wait and the sender waits through its injected `sleep`, so tests assert
on the waits instead of sleeping. With Redis the overall schedule (and the chats') is shared by every
sender process; without it, one process is the only sender.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Protocol

from redis.asyncio import Redis

from bot.clock import Clock

# The schedules count whole microseconds from EPOCH: exact arithmetic, in Python and in Redis's Lua.
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
PER_CHAT_INTERVAL = 1_000_000
PREFIX = "consultbot:send"

# Reserve the next slot of a schedule (microseconds): returns how long to wait for it.
RESERVE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, nxt)
local ttl = math.ceil((at + interval - now) / 1000000) + 60
redis.call('SET', KEYS[1], string.format('%d', at + interval), 'EX', ttl)
return at - now
"""
# Push a schedule back to at least ARGV[1] (microseconds).
PAUSE = """
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local untl = tonumber(ARGV[1])
if untl > nxt then
  local ttl = math.ceil((untl - tonumber(ARGV[2])) / 1000000) + 60
  redis.call('SET', KEYS[1], string.format('%d', untl), 'EX', ttl)
end
return 1
"""


def _now(clock: Clock) -> int:
    return (clock.now() - EPOCH) // MICROSECOND


def _interval(per_second: float) -> int:
    """Whole microseconds between two sends, rounded up: never faster than `per_second`."""
    return math.ceil(1_000_000 / per_second)


class SendLimiter(Protocol):
    async def reserve(self, chat_id: int) -> float:
        """Reserve a send to this chat; how many seconds to wait before making it."""
        ...

    async def pause(self, seconds: float) -> None:
        """Telegram said 429: no sender sends anything for `seconds` from now."""
        ...

    async def close(self) -> None: ...


class MemoryLimiter:
    def __init__(self, clock: Clock, per_second: float) -> None:
        self._clock = clock
        self._interval = _interval(per_second)
        self._next = 0
        self._chats: dict[int, int] = {}

    async def reserve(self, chat_id: int) -> float:
        now = _now(self._clock)
        at = max(now, self._next)
        self._next = at + self._interval
        chat_at = max(now, self._chats.get(chat_id, 0))
        self._chats[chat_id] = max(at, chat_at) + PER_CHAT_INTERVAL
        if len(self._chats) > 10_000:  # forget chats whose slot has passed, so memory stays flat
            self._chats = {c: t for c, t in self._chats.items() if t > now}
        return (max(at, chat_at) - now) / 1_000_000

    async def pause(self, seconds: float) -> None:
        self._next = max(self._next, _now(self._clock) + round(seconds * 1_000_000))

    async def close(self) -> None:
        return None


class RedisLimiter:
    def __init__(
        self, redis: Redis, clock: Clock, per_second: float, *, owned: bool = False, prefix: str = PREFIX
    ) -> None:
        self._redis = redis
        self._key = f"{prefix}:next"
        self._chat_key = prefix + ":chat:{chat_id}"
        self._owned = owned
        self._clock = clock
        self._interval = _interval(per_second)

    async def reserve(self, chat_id: int) -> float:
        now = _now(self._clock)
        overall = int(await self._redis.eval(RESERVE, 1, self._key, now, self._interval))
        chat_key = self._chat_key.format(chat_id=chat_id)
        chat = int(await self._redis.eval(RESERVE, 1, chat_key, now + overall, PER_CHAT_INTERVAL))
        return (overall + chat) / 1_000_000

    async def pause(self, seconds: float) -> None:
        now = _now(self._clock)
        await self._redis.eval(PAUSE, 1, self._key, now + round(seconds * 1_000_000), now)

    async def close(self) -> None:
        if self._owned:
            await self._redis.aclose()
