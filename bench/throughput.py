"""Answer throughput: N residents answer the shipped survey at once, through the webhook.

    python -m bench.throughput [--residents 1000]
    python -m bench.throughput --database-url postgresql+asyncpg://…/bench --redis-url redis://… \\
        [--processes 2]

Each resident runs the test suite's journey (deep link, consent, 14 answers, Submit: 23 updates) as
fast as the bot answers. The bot runs in its own process(es) in webhook mode; the fake Bot API on
loopback POSTs each update (to the processes in turn) and times it from the start of its delivery to the
bot's first send or edit in that chat. Then the same updates are replayed to a bare aiogram echo bot in
the same harness: the framework floor. The PostgreSQL database and the Redis database are emptied
first: use scratch ones.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Sequence
from pathlib import Path

from bot.loop import EVENT_LOOPS, loop_factory
from tests.flows.journey import PAYLOAD

from .botproc import EXPERIMENTS
from .harness import (
    BenchTelegram,
    BotProcess,
    JsonDict,
    Profiler,
    conclude,
    fresh_workdir,
    is_sqlite,
    latency_ms,
    reset_database,
    scratch_postgres,
    spawn_bot,
    stored_answers,
)
from .residents import ANSWERS_PER_JOURNEY, replay, run_crowd, whole_survey

NAME = "throughput"
TARGET_FLOOR_RATIO = 2.0
TARGET_SCALE_OUT_RATIO = 1.3


def load_figures(tg: BenchTelegram, bots: list[BotProcess], seconds: float, cpu: float) -> JsonDict:
    updates = sum(tg.statuses.values())
    return {
        "processes": len(bots),
        "updates": updates,
        "http_statuses": {str(k): v for k, v in sorted(tg.statuses.items())},
        "updates_per_process": [tg.per_target[b.url] for b in bots],
        "seconds": round(seconds, 3),
        "updates_per_second": round(updates / seconds, 1) if seconds else 0.0,
        "latency_ms": latency_ms(tg.latencies),
        "unreplied_updates": len(tg.unreplied_latencies),
        "webhook_round_trip_ms": latency_ms(tg.round_trips),
        "queue_wait_ms": latency_ms(tg.queue_waits),
        "bot_cpu_seconds": round(cpu, 3),
        "bot_cpu_ms_per_update": round(cpu / updates * 1000, 4) if updates else 0.0,
        "api_calls": dict(sorted(tg.api_calls.items())),
        "ready_after_seconds": [round(b.ready_after, 2) for b in bots],
    }


async def measure_consultbot(
    residents: int,
    processes: int,
    database_url: str,
    redis_url: str | None,
    workdir: Path,
    max_connections: int,
    profile: bool = False,
    experiments: Sequence[str] = (),
    event_loop: str = "auto",
    api_latency: float = 0.0,
) -> tuple[JsonDict, BenchTelegram]:
    """Start the bot process(es), let the residents answer, count what the database holds."""
    if not is_sqlite(database_url):
        await reset_database(database_url, redis_url)
    async with BenchTelegram(
        record_updates=True, max_connections=max_connections, api_latency=api_latency
    ) as tg:
        bots = [
            spawn_bot(
                "consultbot",
                tg,
                workdir,
                database_url=database_url,
                redis_url=redis_url,
                open_round=PAYLOAD if i == 0 else None,
                experiments=experiments,
                event_loop=event_loop,
            )
            for i in range(processes)
        ]
        try:
            await asyncio.gather(*(b.wait_ready(tg) for b in bots))
            figures, crowd_cpu = await _load(tg, bots, residents, profile)
        finally:
            codes = [await b.stop() for b in bots]
    stored = await stored_answers(database_url)
    sent = crowd_cpu["finished"] * ANSWERS_PER_JOURNEY
    figures.update(
        residents=residents,
        residents_finished=crowd_cpu["finished"],
        residents_failed=crowd_cpu["failed"],
        errors=crowd_cpu["errors"],
        answers_sent=sent,
        stored=stored,
        answers_stored_once=crowd_cpu["failed"] == 0
        and stored["answers"] == sent
        and stored["duplicate_answers"] == 0
        and stored["completed_responses"] == residents,
        answers_per_second=round(stored["answers"] / figures["seconds"], 1) if figures["seconds"] else 0.0,
        exit_codes=codes,
    )
    return figures, tg


async def _load(
    tg: BenchTelegram, bots: list[BotProcess], residents: int, profile: bool
) -> tuple[JsonDict, JsonDict]:
    tg.targets = [b.url for b in bots]
    tg.reset_figures()
    profiler = Profiler(bots[0].proc.pid, bots[0].log_path.with_suffix(".pyspy.txt")) if profile else None
    for b in bots:
        b.mark_cpu()
    start = time.perf_counter()
    crowd = await run_crowd(tg, range(residents), whole_survey)
    seconds = time.perf_counter() - start
    cpu = sum(b.cpu_since_mark() for b in bots)
    figures = load_figures(tg, bots, seconds, cpu)
    if profiler is not None:
        figures["profile"] = await profiler.stop()
    return figures, {
        "finished": crowd.finished,
        "failed": crowd.failed,
        "errors": crowd.errors,
    }


async def measure_floor(
    recorded: dict[int, list[JsonDict]], echo: BotProcess, tg: BenchTelegram, profile: bool
) -> JsonDict:
    tg.targets = [echo.url]
    tg.reset_figures()
    profiler = Profiler(echo.proc.pid, echo.log_path.with_suffix(".pyspy.txt")) if profile else None
    echo.mark_cpu()
    start = time.perf_counter()
    crowd = await replay(tg, recorded)
    seconds = time.perf_counter() - start
    figures = load_figures(tg, [echo], seconds, echo.cpu_since_mark())
    if profiler is not None:
        figures["profile"] = await profiler.stop()
    figures.update(chats=len(recorded), chats_failed=crowd.failed)
    return figures


async def run(args: argparse.Namespace) -> JsonDict:
    workdir = fresh_workdir(NAME, args.output)
    sqlite = args.database_url is None
    database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'consultbot.db'}"
    result: JsonDict = {
        "parameters": {
            "residents": args.residents,
            "processes": args.processes,
            "database": "sqlite" if sqlite else "postgresql",
            "redis": bool(args.redis_url),
            "updates_per_resident": 23,
            "max_connections": args.max_connections,
            "api_latency_ms": args.api_latency_ms,
            "experiments": args.experiment,
            "floor_experiments": args.floor_experiment,
            "event_loop": "uvloop" if loop_factory(args.event_loop) is not None else "asyncio",
            "answers_per_resident": ANSWERS_PER_JOURNEY,
        }
    }
    # The floor's process starts while the bot's does (start-up is slow: see bench/startup.py).
    api_latency = args.api_latency_ms / 1000
    async with BenchTelegram(max_connections=args.max_connections, api_latency=api_latency) as floor_tg:
        echo = spawn_bot(
            "echo", floor_tg, workdir, experiments=args.floor_experiment, event_loop=args.event_loop
        )
        try:
            one, tg = await measure_consultbot(
                args.residents,
                1,
                database_url,
                args.redis_url,
                workdir,
                args.max_connections,
                args.profile,
                args.experiment,
                args.event_loop,
                api_latency,
            )
            assert tg.recorded is not None
            await echo.wait_ready(floor_tg)
            floor = await measure_floor(tg.recorded, echo, floor_tg, args.profile)
        finally:
            await echo.stop()
    result["consultbot"] = one
    result["floor"] = floor
    ratio = one["bot_cpu_ms_per_update"] / floor["bot_cpu_ms_per_update"] if floor["updates"] else 0.0
    result["cpu_ratio_to_floor"] = round(ratio, 2)
    result["target_cpu_ratio_to_floor"] = TARGET_FLOOR_RATIO
    result["meets_floor_target"] = ratio <= TARGET_FLOOR_RATIO if sqlite else None
    if args.processes > 1:
        many, _ = await measure_consultbot(
            args.residents,
            args.processes,
            database_url,
            args.redis_url,
            workdir,
            args.max_connections,
            experiments=args.experiment,
            event_loop=args.event_loop,
            api_latency=api_latency,
        )
        result["scale_out"] = many
        cpu_ratio = many["bot_cpu_ms_per_update"] / one["bot_cpu_ms_per_update"]
        result["scale_out_cpu_ratio"] = round(cpu_ratio, 2)
        result["scale_out_target_cpu_ratio"] = TARGET_SCALE_OUT_RATIO
        result["scale_out_throughput_gain"] = round(many["updates_per_second"] / one["updates_per_second"], 2)
        result["meets_scale_out_target"] = cpu_ratio <= TARGET_SCALE_OUT_RATIO and many["answers_stored_once"]
        result["cores"] = os.cpu_count()
    return result


def report(result: JsonDict) -> str:
    lines = []
    p = result["parameters"]
    lines.append(
        f"throughput: {p['residents']} residents, {p['database']}{' + redis' if p['redis'] else ''}, "
        f"{os.cpu_count()} cores"
        + (f", Bot API calls take {p['api_latency_ms']} ms" if p["api_latency_ms"] else "")
    )
    runs = [("consultbot x1", result["consultbot"]), ("aiogram echo floor", result["floor"])]
    if "scale_out" in result:
        runs.insert(1, (f"consultbot x{p['processes']}", result["scale_out"]))
    for label, r in runs:
        lat = r["latency_ms"]
        line = (
            f"  {label:20} {r['updates']:7} updates in {r['seconds']:7.2f}s"
            f" = {r['updates_per_second']:7.1f}/s"
            f" | latency p50 {lat['p50']:.1f} p95 {lat['p95']:.1f} p99 {lat['p99']:.1f} ms"
            f" | bot CPU {r['bot_cpu_ms_per_update']:.3f} ms/update"
        )
        if "answers_per_second" in r:
            line += (
                f" | {r['answers_per_second']:.1f} answers/s, stored {r['stored']['answers']}"
                f"/{r['answers_sent']} sent, duplicates {r['stored']['duplicate_answers']}"
            )
        lines.append(line)
    lines.append(
        f"  CPU per update vs floor: {result['cpu_ratio_to_floor']}x"
        f" (target <= {TARGET_FLOOR_RATIO}x on SQLite)"
    )
    if "scale_out" in result:
        lines.append(
            f"  scale-out: CPU per update {result['scale_out_cpu_ratio']}x one process "
            f"(target <= {TARGET_SCALE_OUT_RATIO}x); throughput gain {result['scale_out_throughput_gain']}x "
            f"on {result['cores']} cores"
        )
    return "\n".join(lines)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__)
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument(
        "--processes", type=int, default=1, help="also run N bot processes (PostgreSQL+Redis)"
    )
    parser.add_argument(
        "--database-url", type=scratch_postgres, default=None, help="a scratch PostgreSQL database (emptied)"
    )
    parser.add_argument("--redis-url", default=None, help="a scratch Redis database (flushed)")
    parser.add_argument(
        "--max-connections",
        type=int,
        default=40,
        help="webhook requests in flight at once, as setWebhook's max_connections (Telegram's default: 40)",
    )
    parser.add_argument(
        "--api-latency-ms",
        type=float,
        default=0.0,
        help="each Bot API call answers after this long, as Telegram does over the Internet (default 0: "
        "loopback)",
    )
    parser.add_argument("--profile", action="store_true", help="sample the bots with py-spy during the load")
    parser.add_argument(
        "--experiment",
        action="append",
        default=[],
        choices=EXPERIMENTS,
        help="try a candidate fix in consultbot's process (see bench/botproc.py)",
    )
    parser.add_argument(
        "--floor-experiment",
        action="append",
        default=[],
        choices=EXPERIMENTS,
        help="the same, in the floor's",
    )
    parser.add_argument(
        "--event-loop",
        default="auto",
        choices=EVENT_LOOPS,
        help="the event loop of consultbot's processes and the floor's, as EVENT_LOOP (default: auto)",
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="JSON result (bench/results/throughput.json)"
    )
    args = parser.parse_args(argv)
    if args.processes > 1 and (args.database_url is None or args.redis_url is None):
        parser.error("--processes > 1 needs --database-url (PostgreSQL) and --redis-url")
    return args


def main(argv: Sequence[str] | None = None) -> JsonDict:
    args = parse(argv)
    return conclude(NAME, asyncio.run(run(args)), args.output, report)


if __name__ == "__main__":
    main()
