"""Sending within Telegram's limits: about 30 messages a second overall, one a second per chat, and
nothing at all until a 429's `retry_after` has passed.

Each send reserves the next free slot of the overall schedule and of its chat's, and waits until both
have come; a 429 pushes the overall schedule back by exactly `retry_after`. Then it is admitted to the
window: it goes out only while fewer than `window` calls were answered in the last second or are still on
the wire. Telegram counts a message before it answers, so however late some sends go out (a stalled
moment), Telegram never counts more than `window` in one second. Time is the injected clock's: the
limiter returns how long to wait and the sender waits through its injected `sleep`, so tests assert on
the waits instead of sleeping. With Redis the schedules and the window are shared by every sender
process; without it, one process is the only sender.
"""

from __future__ import annotations

import math
from collections import deque
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


# Admit a call to the window (KEYS: answered, on the wire; ARGV: now, window, call, lease, all
# microseconds but the window): 0 once admitted (the call counts as on the wire until its lease ends), else
# how long to wait.
ADMIT = """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now - 1000000))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[2], string.format('%d', now + tonumber(ARGV[4])), ARGV[3])
  redis.call('PEXPIRE', KEYS[2], 120000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] then
  return math.max(1, tonumber(oldest[2]) + 1000000 - now)
end
return 10000
"""
# The call was answered (KEYS: answered, on the wire; ARGV: now, call).
ANSWERED = """
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], 120000)
return 1
"""
ON_THE_WIRE_LEASE = 90_000_000  # a call still unanswered after this is no longer counted (its sender died)


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

    async def admit(self, call: str) -> float:
        """Admit this call (a name unique among senders) to the window: 0 once admitted, else how many
        seconds to wait before asking again."""
        ...

    async def answered(self, call: str) -> None:
        """The admitted call was answered (or failed): it counts in the window for one more second."""
        ...

    async def close(self) -> None: ...


def _window(per_second: float, window: int | None) -> int:
    return window if window is not None else max(1, math.floor(per_second))


class MemoryLimiter:
    def __init__(self, clock: Clock, per_second: float, *, window: int | None = None) -> None:
        self._clock = clock
        self._interval = _interval(per_second)
        self._window = _window(per_second, window)
        self._next = 0
        self._chats: dict[int, int] = {}
        self._answered: deque[int] = deque()
        self._on_the_wire: set[str] = set()

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

    async def admit(self, call: str) -> float:
        now = _now(self._clock)
        while self._answered and self._answered[0] <= now - 1_000_000:
            self._answered.popleft()
        if len(self._answered) + len(self._on_the_wire) < self._window:
            self._on_the_wire.add(call)
            return 0.0
        if self._answered:
            return max(1, self._answered[0] + 1_000_000 - now) / 1_000_000
        return 0.01

    async def answered(self, call: str) -> None:
        self._on_the_wire.discard(call)
        self._answered.append(_now(self._clock))

    async def close(self) -> None:
        return None


class RedisLimiter:
    def __init__(
        self,
        redis: Redis,
        clock: Clock,
        per_second: float,
        *,
        window: int | None = None,
        owned: bool = False,
        prefix: str = PREFIX,
    ) -> None:
        self._redis = redis
        self._key = f"{prefix}:next"
        self._chat_key = prefix + ":chat:{chat_id}"
        self._window_keys = (f"{prefix}:answered", f"{prefix}:on-the-wire")
        self._owned = owned
        self._clock = clock
        self._interval = _interval(per_second)
        self._window = _window(per_second, window)

    async def reserve(self, chat_id: int) -> float:
        now = _now(self._clock)
        overall = int(await self._redis.eval(RESERVE, 1, self._key, now, self._interval))
        chat_key = self._chat_key.format(chat_id=chat_id)
        chat = int(await self._redis.eval(RESERVE, 1, chat_key, now + overall, PER_CHAT_INTERVAL))
        return (overall + chat) / 1_000_000

    async def pause(self, seconds: float) -> None:
        now = _now(self._clock)
        await self._redis.eval(PAUSE, 1, self._key, now + round(seconds * 1_000_000), now)

    async def admit(self, call: str) -> float:
        now = _now(self._clock)
        wait = await self._redis.eval(
            ADMIT, 2, *self._window_keys, now, self._window, call, ON_THE_WIRE_LEASE
        )
        return int(wait) / 1_000_000

    async def answered(self, call: str) -> None:
        await self._redis.eval(ANSWERED, 2, *self._window_keys, _now(self._clock), call)

    async def close(self) -> None:
        if self._owned:
            await self._redis.aclose()
