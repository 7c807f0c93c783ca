"""Where an update's CPU goes, phase by phase: the event loop thread's CPU time spent inside the webhook
request, aiogram's dispatch, our update middlewares, each kind of SQL statement, the commit, each Bot API
method, and the garbage collector's passes by generation (which fall inside the other phases).

    BENCH_PHASES=DIR python -m bench.throughput --residents 50 --max-connections 1

Each bot process writes ``DIR/<kind>-<pid>.phases.json`` when it stops: per phase, the CPU milliseconds
per update, per call, and the number of calls. ``python -m bench.phases DIR`` prints them.

A phase's figure is `time.thread_time` before and after it, so it holds only while the process handles
one update at a time (``--max-connections 1``): with several in flight, another update's work done during
an ``await`` would be counted too. Phases nest (the webhook request contains the dispatch, which contains
the middlewares); within one phase a nested call of the same phase is not counted twice (the calls are
counted right with any number in flight, the times are not). The SQLite
thread's own CPU is not in any phase. cProfile and py-spy were misled here: SQLAlchemy's greenlets make
cProfile charge time to the wrong frames, and py-spy under uvloop missed samples.
"""

from __future__ import annotations

import atexit
import functools
import gc
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

_ns: Counter[str] = Counter()
_calls: Counter[str] = Counter()
_inside: ContextVar[frozenset[str]] = ContextVar("bench_phases_inside", default=frozenset())
_statement_names: WeakKeyDictionary[Any, str] = WeakKeyDictionary()


def _timed(name: Callable[..., str], call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(call)
    async def timed(*args: Any, **kwargs: Any) -> Any:
        phase = name(*args)
        inside = _inside.get()
        if phase in inside:
            return await call(*args, **kwargs)
        token = _inside.set(inside | {phase})
        started = time.thread_time_ns()
        try:
            return await call(*args, **kwargs)
        finally:
            _ns[phase] += time.thread_time_ns() - started
            _calls[phase] += 1
            _inside.reset(token)

    return timed


def _wrap(owner: Any, attribute: str, name: str | Callable[..., str]) -> None:
    phase = name if callable(name) else (lambda *_: name)
    setattr(owner, attribute, _timed(phase, getattr(owner, attribute)))


def _statement(_session: Any, statement: Any, *_: Any) -> str:
    """The statement's first words ("sql: SELECT contacts.id, …"), worked out once per statement object.
    Held weakly: a statement built for one call must not outlive it here (the heap would grow, and so would
    every garbage collection's walk)."""
    try:
        return _statement_names[statement]
    except KeyError:
        name = _statement_names[statement] = "sql: " + " ".join(str(statement).split())[:70]
        return name
    except TypeError:  # not weakly referenceable
        return "sql: " + " ".join(str(statement).split())[:70]


def install(directory: str, kind: str) -> None:
    """Time the phases of this process from now on; write them to `directory` at exit."""
    from aiogram import Bot, Dispatcher
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler
    from sqlalchemy.ext.asyncio import AsyncSession

    _wrap(SimpleRequestHandler, "handle", "webhook request")
    _wrap(Dispatcher, "feed_update", "dispatch (feed_update)")
    _wrap(Bot, "__call__", lambda _bot, method, *_: f"Bot API: {method.__api_method__}")
    for attribute in ("execute", "scalar", "scalars"):
        _wrap(AsyncSession, attribute, _statement)
    _wrap(AsyncSession, "flush", "sql: ORM flush")
    _wrap(AsyncSession, "commit", "sql: COMMIT")
    if kind == "consultbot":
        from bot.fsm_context import LazyFSMContextMiddleware
        from bot.middlewares import UnitOfWork

        _wrap(UnitOfWork, "__call__", "unit of work (and all within)")
        _wrap(LazyFSMContextMiddleware, "__call__", "handlers (and all within)")
    gc.callbacks.append(_garbage_collection)
    atexit.register(_write, Path(directory) / f"{kind}-{os.getpid()}.phases.json")


_collecting: list[int] = []


def _garbage_collection(phase: str, info: dict[str, Any]) -> None:
    """The garbage collector's passes, by generation, wherever they fall (they are inside other phases)."""
    if phase == "start":
        _collecting.append(time.thread_time_ns())
    elif _collecting:
        name = f"garbage collection, generation {info['generation']} (inside other phases)"
        _ns[name] += time.thread_time_ns() - _collecting.pop()
        _calls[name] += 1


def _write(path: Path) -> None:
    updates = _calls["dispatch (feed_update)"] or 1
    phases = {
        name: {
            "ms_per_update": round(ns / 1e6 / updates, 4),
            "us_per_call": round(ns / 1e3 / _calls[name], 1),
            "calls": _calls[name],
        }
        for name, ns in _ns.most_common()
    }
    path.write_text(json.dumps({"updates": updates, "phases": phases}, indent=1), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    for path in sorted(Path((argv or sys.argv[1:])[0]).glob("*.phases.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        print(f"{path.name}: {document['updates']} updates")
        for name, figures in document["phases"].items():
            print(
                f"  {figures['ms_per_update']:8.3f} ms/update {figures['us_per_call']:8.1f} us/call "
                f"{figures['calls']:7d} calls  {name}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
