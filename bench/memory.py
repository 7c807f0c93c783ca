"""Memory: one bot process's RSS after many residents each started the survey and stopped half-way.

    python -m bench.memory [--residents 100000] [--database-url postgresql+asyncpg://… --redis-url redis://…]

Each resident opens the round by its deep link, agrees, ticks an answer to the first question and
confirms it (4 updates), then goes away: their state stays in the database (or Redis). With
``--stop-at first-question`` they go away once the first question is shown (2 updates: half the time).
The RSS after the first hundred is compared with the RSS after all of them (target: within 10%); it is
also sampled along the way. The PostgreSQL database and the Redis database are emptied first: use
scratch ones.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from pathlib import Path

from tests.flows.journey import PAYLOAD

from .harness import (
    BenchTelegram,
    JsonDict,
    fresh_workdir,
    is_sqlite,
    reset_database,
    scratch_postgres,
    spawn_bot,
    stored_answers,
    write_result,
)
from .residents import run_crowd, stop_at_first_question, stop_mid_survey

NAME = "memory"
BASELINE_RESIDENTS = 100
TARGET_GROWTH = 0.10
SCRIPTS = {"first-answer": (stop_mid_survey, 4), "first-question": (stop_at_first_question, 2)}
SAMPLES = 10


async def run(args: argparse.Namespace) -> JsonDict:
    workdir = fresh_workdir(NAME, args.output)
    database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'consultbot.db'}"
    if not is_sqlite(database_url):
        await reset_database(database_url, args.redis_url)
    baseline = min(args.baseline, args.residents)
    samples: list[JsonDict] = []
    failed = 0
    errors: list[str] = []
    async with BenchTelegram(max_connections=args.max_connections) as tg:
        bot = spawn_bot(
            "consultbot", tg, workdir, database_url=database_url, redis_url=args.redis_url, open_round=PAYLOAD
        )
        try:
            await bot.wait_ready(tg)
            tg.targets = [bot.url]
            rss_ready = bot.rss_bytes()
            start = time.perf_counter()
            step = max((args.residents - baseline) // SAMPLES, 1)
            done = 0
            bounds = [baseline, *range(baseline + step, args.residents, step), args.residents]
            for end in sorted(set(bounds)):
                crowd = await run_crowd(
                    tg, range(done, end), SCRIPTS[args.stop_at][0], concurrency=args.concurrency, forget=True
                )
                failed += crowd.failed
                errors += crowd.errors[: 5 - len(errors)]
                done = end
                samples.append(
                    {
                        "residents": done,
                        "rss_mb": round(bot.rss_bytes() / 2**20, 1),
                        "seconds": round(time.perf_counter() - start, 1),
                    }
                )
                print(f"  {done:7} residents: RSS {samples[-1]['rss_mb']} MB", flush=True)
            seconds = time.perf_counter() - start
            updates = sum(tg.statuses.values())
        finally:
            code = await bot.stop()
    stored = await stored_answers(database_url)
    first, last = samples[0]["rss_mb"], samples[-1]["rss_mb"]
    growth = (last - first) / first if first else 0.0
    return {
        "parameters": {
            "residents": args.residents,
            "baseline_residents": baseline,
            "updates_per_resident": SCRIPTS[args.stop_at][1],
            "stop_at": args.stop_at,
            "concurrency": args.concurrency,
            "database": "sqlite" if is_sqlite(database_url) else "postgresql",
            "redis": bool(args.redis_url),
        },
        "rss_ready_mb": round(rss_ready / 2**20, 1),
        "rss_after_baseline_mb": first,
        "rss_after_all_mb": last,
        "growth": round(growth, 4),
        "target_growth": TARGET_GROWTH,
        "meets_target": growth <= TARGET_GROWTH,
        "samples": samples,
        "updates": updates,
        "http_statuses": {str(k): v for k, v in sorted(tg.statuses.items())},
        "seconds": round(seconds, 1),
        "residents_failed": failed,
        "errors": errors,
        "stored": stored,
        "exit_code": code,
    }


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument(
        "--baseline", type=int, default=BASELINE_RESIDENTS, help="compare with the RSS after this many"
    )
    parser.add_argument("--concurrency", type=int, default=200, help="residents active at once")
    parser.add_argument(
        "--stop-at", choices=sorted(SCRIPTS), default="first-answer", help="where each resident goes away"
    )
    parser.add_argument("--max-connections", type=int, default=40, help="webhook requests in flight")
    parser.add_argument(
        "--database-url", type=scratch_postgres, default=None, help="a scratch PostgreSQL database (emptied)"
    )
    parser.add_argument("--redis-url", default=None, help="a scratch Redis database (flushed)")
    parser.add_argument("--output", type=Path, default=None, help="JSON result (bench/results/memory.json)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> JsonDict:
    args = parse(argv)
    print(f"memory: {args.residents} residents stopping mid-survey")
    result = asyncio.run(run(args))
    path = write_result(NAME, result, args.output)
    print(
        f"  RSS ready {result['rss_ready_mb']} MB, "
        f"after {result['parameters']['baseline_residents']} residents "
        f"{result['rss_after_baseline_mb']} MB, after {args.residents} {result['rss_after_all_mb']} MB: "
        f"{result['growth'] * 100:+.1f}% (target <= {TARGET_GROWTH * 100:.0f}%); "
        f"{result['updates']} updates in {result['seconds']}s, {result['residents_failed']} residents failed"
    )
    print(f"  result: {path}")
    return result


if __name__ == "__main__":
    main()
