"""Start-up: from launching ``consultbot run`` to its first getUpdates call at the fake Bot API.

    python -m bench.startup [--runs 3]

Each run launches ``consultbot run`` (long polling) in a fresh directory with a fresh SQLite file
(so migrations run), against a fake Bot API on loopback, and records when the fake saw its first call
(getMe: the imports and settings are done) and its first getUpdates (ready to serve). For reference it
also times ``import aiogram`` and ``import bot.app`` alone in a fresh interpreter.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tests.fake_telegram import FakeTelegram

from .harness import PSEUDONYM_KEY, JsonDict, fresh_workdir, write_result

NAME = "startup"
READY_TIMEOUT_S = 180.0


def consultbot_command() -> list[str]:
    script = Path(sys.executable).parent / "consultbot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


async def one_run(number: int, workdir: Path) -> JsonDict:
    directory = workdir / f"run-{number}"
    directory.mkdir()
    async with FakeTelegram() as tg:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        env.update(
            BOT_TOKEN=tg.token,
            TELEGRAM_API_URL=tg.base_url,
            DATABASE_URL=f"sqlite+aiosqlite:///{directory / 'consultbot.db'}",
            PSEUDONYM_KEY=PSEUDONYM_KEY,
            LOG_LEVEL="INFO",
        )
        for name in ("REDIS_URL", "HEALTH_PORT", "SURVEYS_DIR", "ADMIN_IDS"):
            env.pop(name, None)
        log_path = directory / "consultbot.log"
        with log_path.open("wb") as log:
            launched = time.time()
            proc = await asyncio.create_subprocess_exec(
                *consultbot_command(),
                "run",
                cwd=directory,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + READY_TIMEOUT_S
            while not tg.calls("getUpdates"):
                if proc.returncode is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-2000:]
                    raise RuntimeError(
                        f"consultbot run never called getUpdates (exit {proc.returncode}):\n{tail}"
                    )
                await asyncio.sleep(0.01)
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            try:
                code = await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                code = await proc.wait()
        first_call = tg.requests[0]
        return {
            "first_api_call": first_call.method,
            "to_first_api_call_s": round(first_call.at - launched, 3),
            "to_first_get_updates_s": round(tg.calls("getUpdates")[0].at - launched, 3),
            "api_calls_before_polling": [r.method for r in tg.requests if r.method != "getUpdates"],
            "exit_code": code,
        }


def import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    return round(float(out.stdout.strip()), 3)


async def run(args: argparse.Namespace) -> JsonDict:
    workdir = fresh_workdir(NAME, args.output)
    runs = [await one_run(i, workdir) for i in range(args.runs)]
    ready = [r["to_first_get_updates_s"] for r in runs]
    first = [r["to_first_api_call_s"] for r in runs]
    return {
        "parameters": {"runs": args.runs, "database": "sqlite (fresh file: migrations run)"},
        "to_first_get_updates_s": {"median": statistics.median(ready), "min": min(ready), "max": max(ready)},
        "to_first_api_call_s": {"median": statistics.median(first), "min": min(first), "max": max(first)},
        "import_s": None
        if args.skip_imports
        else {"aiogram": import_seconds("aiogram"), "bot.app": import_seconds("bot.app")},
        "runs": runs,
    }


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-imports", action="store_true", help="do not time the imports alone")
    parser.add_argument("--output", type=Path, default=None, help="JSON result (bench/results/startup.json)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> JsonDict:
    args = parse(argv)
    result = asyncio.run(run(args))
    path = write_result(NAME, result, args.output)
    ready, first = result["to_first_get_updates_s"], result["to_first_api_call_s"]
    print(
        f"startup: consultbot run -> first getUpdates {ready['median']}s median "
        f"(min {ready['min']}, max {ready['max']}, {args.runs} runs); first API call (getMe) at "
        f"{first['median']}s"
    )
    if result["import_s"]:
        imports = result["import_s"]
        print(f"  import aiogram {imports['aiogram']}s, import bot.app {imports['bot.app']}s")
    print(f"  result: {path}")
    return result


if __name__ == "__main__":
    main()
