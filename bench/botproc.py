"""One bot process for the benchmarks, in webhook mode against a (fake) Bot API on loopback.

    python -m bench.botproc consultbot --api-url URL --port P [--database-url U] [--redis-url R]
                                       [--open-round PAYLOAD]
    python -m bench.botproc echo --api-url URL --port P

``consultbot`` is the real application, started as ``consultbot webhook`` starts it
(``Application.create``, the start-up heap settled, then ``run_webhook``: migrations, shipped surveys,
command menus, webhook registered). ``echo`` is the framework floor: a bare aiogram Dispatcher whose one
handler per update type replies, behind aiogram's own webhook handler. Both run on the same event loop
(``--event-loop``, as EVENT_LOOP) with their start-up heap settled (bot/heap.py), so the floor has every
advantage consultbot has. Either is ready once it has called setWebhook, and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import logging
import os
import signal
from collections.abc import Iterator, Sequence

from bot import loop
from bot.loop import EVENT_LOOPS

# = bench.harness's (not imported: the bot process needs no psutil)
WEBHOOK_SECRET = "bench-webhook-secret"  # noqa: S105 - a loopback benchmark's secret
PSEUDONYM_KEY = "bench-pseudonym-key"
SURVEY_SLUG = "charleroi-learning-city"


EXPERIMENTS = ("sqlite-one-connection", "pin-response-models")


def apply_experiments(names: Sequence[str]) -> None:
    """Candidate fixes tried from outside the code they would change (see bench/RESULTS.md):

    * ``sqlite-one-connection``: the SQLite engine gets a pool of one connection, so updates queue in
      order for it instead of each holding a pooled connection (and its aiosqlite thread) while SQLite's
      busy handler polls for the write lock.
    * ``pin-response-models``: keep aiogram's ``Response[T]`` models alive; pydantic caches generic
      models in a WeakValueDictionary, so aiogram rebuilds them after each garbage collection.
    """
    if "sqlite-one-connection" in names:
        from typing import Any

        from sqlalchemy.ext.asyncio import AsyncEngine

        import bot.setup
        from bot.db import engine as db_engine

        original = db_engine.create_engine

        def one_connection(url: str, **kwargs: Any) -> AsyncEngine:
            if url.startswith("sqlite"):
                kwargs.update(pool_size=1, max_overflow=0, pool_timeout=600)
            return original(url, **kwargs)

        bot.setup.create_engine = one_connection  # type: ignore[attr-defined]
    if "pin-response-models" in names:
        from aiogram.methods.base import Response, TelegramMethod

        pinned = globals().setdefault("_PINNED", [])
        stack = list(TelegramMethod.__subclasses__())
        while stack:
            method = stack.pop()
            stack.extend(method.__subclasses__())
            returning = getattr(method, "__returning__", None)
            if returning is None or isinstance(returning, property):
                continue
            with contextlib.suppress(Exception):  # a return type pydantic cannot build alone
                pinned.append(Response[returning])  # type: ignore[valid-type]


async def run_consultbot(args: argparse.Namespace) -> None:
    from bot import heap, logs
    from bot.app import Application
    from bot.config import SHIPPED_SURVEYS_DIR, Settings
    from bot.services.container import Services

    settings = Settings(
        _env_file=None,
        bot_token=args.token,
        database_url=args.database_url,
        redis_url=args.redis_url,
        telegram_api_url=args.api_url,
        webhook_secret=WEBHOOK_SECRET,
        webhook_base_url=f"http://127.0.0.1:{args.port}",
        webhook_path="/telegram",
        host="127.0.0.1",
        port=args.port,
        pseudonym_key=PSEUDONYM_KEY,
        surveys_dir=SHIPPED_SURVEYS_DIR,
        log_level=args.log_level,
        event_loop=args.event_loop,
    )
    logs.configure(settings.log_level, settings.log_format)
    apply_experiments(args.experiment)
    app = await Application.create(settings)
    heap.settle()
    try:
        if args.open_round:
            async with app.ctx.sessions.begin() as session:
                services = Services(session, app.ctx)
                version = await services.surveys.get(SURVEY_SLUG)
                if version is None:
                    raise RuntimeError(f"survey {SURVEY_SLUG} is not loaded")
                await services.rounds.open_round(version, payload=args.open_round)
        serving()
        await app.run_webhook(handle_signals=True)
    finally:
        await app.close()


async def run_echo(args: argparse.Namespace) -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import CallbackQuery, Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler
    from aiohttp import web

    from bot import heap

    logging.basicConfig(level=args.log_level)
    apply_experiments(args.experiment)
    bot = Bot(args.token, session=AiohttpSession(api=TelegramAPIServer.from_base(args.api_url)))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @dispatcher.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()
        await bot.send_message(query.from_user.id, query.data or "?")

    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, handle_in_background=False, secret_token=WEBHOOK_SECRET).register(
        app, path="/telegram"
    )
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port).start()
    await bot.set_webhook(f"http://127.0.0.1:{args.port}/telegram", secret_token=WEBHOOK_SECRET)
    heap.settle()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stopping.set)
    serving()
    try:
        await stopping.wait()
    finally:
        await runner.cleanup()
        await bot.session.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.botproc", description=__doc__)
    parser.add_argument("kind", choices=["consultbot", "echo"])
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", default="sqlite+aiosqlite:///./bench.db")
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--open-round", default=None, metavar="PAYLOAD")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--experiment", action="append", default=[], choices=EXPERIMENTS)
    parser.add_argument("--event-loop", default="auto", choices=EVENT_LOOPS)
    args = parser.parse_args(argv)
    with diagnostics(args.kind):
        loop.run(
            lambda: run_consultbot(args) if args.kind == "consultbot" else run_echo(args), args.event_loop
        )
    return 0


_PROFILER: list[cProfile.Profile] = []


def serving() -> None:
    """The bot is about to serve: start the profiler, if one was asked for."""
    for profiler in _PROFILER:
        profiler.enable()


@contextlib.contextmanager
def diagnostics(kind: str) -> Iterator[None]:
    """Opt-in instruments for finding a cost, set in the environment of the benchmark's driver:

    * ``BENCH_CPROFILE=DIR``: once the bot serves (start-up excluded), the event loop's thread runs under
      cProfile, dumped on stop to DIR/``<kind>-<pid>.pstats``. The SQLite connection threads are not in it.
    * ``BENCH_TRACEMALLOC=DIR``: tracemalloc runs from the start; each SIGUSR1 writes a snapshot to DIR
      (``<kind>-<pid>-N.tracemalloc``), for ``tracemalloc.Snapshot.load(...).compare_to(...)``.
    * ``BENCH_PHASES=DIR``: the event loop thread's CPU per phase of an update, written on stop to
      DIR/``<kind>-<pid>.phases.json`` (bench/phases.py: run with ``--max-connections 1``).
    """
    phases_dir = os.environ.get("BENCH_PHASES")
    if phases_dir:
        from bench import phases

        phases.install(phases_dir, kind)
    cprofile_dir = os.environ.get("BENCH_CPROFILE")
    trace_dir = os.environ.get("BENCH_TRACEMALLOC")
    if trace_dir:
        import tracemalloc

        tracemalloc.start(int(os.environ.get("BENCH_TRACEMALLOC_FRAMES", "12")))
        taken = [0]

        def snapshot(_signum: int, _frame: object) -> None:
            taken[0] += 1
            tracemalloc.take_snapshot().dump(
                os.path.join(trace_dir, f"{kind}-{os.getpid()}-{taken[0]}.tracemalloc")
            )

        signal.signal(signal.SIGUSR1, snapshot)
    if not cprofile_dir:
        yield
        return
    profiler = cProfile.Profile()
    _PROFILER.append(profiler)
    try:
        yield
    finally:
        profiler.disable()
        profiler.dump_stats(os.path.join(cprofile_dir, f"{kind}-{os.getpid()}.pstats"))


if __name__ == "__main__":
    raise SystemExit(main())
