"""The event loop a long-running command (the bot, the sender) runs on.

uvloop where it is installed, as aiogram's ``fast`` extra recommends: it takes the event loop's own share
of each update (scheduling, sockets, the wake-ups of SQLite's threads) off the CPU; bench/RESULTS.md has
the measurement. ``EVENT_LOOP=asyncio`` keeps Python's own loop, for a platform uvloop does not support or
to rule it out when chasing a problem.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar, get_args

from bot.errors import ConfigError

EventLoopChoice = Literal["auto", "uvloop", "asyncio"]
EVENT_LOOPS: tuple[str, ...] = get_args(EventLoopChoice)
LoopFactory = Callable[[], asyncio.AbstractEventLoop]
T = TypeVar("T")


def loop_factory(choice: EventLoopChoice) -> LoopFactory | None:
    """uvloop's loop factory, or None for asyncio's default; ConfigError if uvloop is asked for and
    missing."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise ConfigError(
                "EVENT_LOOP=uvloop, but uvloop is not installed (pip install uvloop, or EVENT_LOOP=auto)"
            ) from None
        return None
    return uvloop.new_event_loop


def run(main: Callable[[], Coroutine[Any, Any, T]], choice: EventLoopChoice = "auto") -> T:
    """Run ``main()`` to completion on the chosen loop (``main`` is called only once the loop is known,
    so a configuration error leaves no coroutine unawaited)."""
    with asyncio.Runner(loop_factory=loop_factory(choice)) as runner:
        return runner.run(main())


def running() -> str:
    """The name of the running event loop's implementation ("uvloop" or "asyncio"), for the log."""
    return type(asyncio.get_running_loop()).__module__.split(".")[0]
