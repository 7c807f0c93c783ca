"""What every benchmark shares: a fake Bot API fit for thousands of residents, bot processes, databases,
figures and the JSON result.

The bot always runs in a process of its own (``bench.botproc``) so that its CPU time and memory are its
own; the fake Bot API and the simulated residents share the driver's process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from aiohttp import ClientSession, ClientTimeout, TCPConnector

from tests.fake_telegram import FakeTelegram, SentMessage

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
WEBHOOK_SECRET = "bench-webhook-secret"  # noqa: S105 - a loopback benchmark's secret
PSEUDONYM_KEY = "bench-pseudonym-key"
READY_TIMEOUT_S = 180.0
REPLY_METHODS = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendphoto",
        "sendvoice",
        "editmessagetext",
        "editmessagecaption",
        "editmessagereplymarkup",
    }
)
# Records the test fake keeps for assertions; beyond this many the benchmark fake forgets them.
KEEP_RECORDS = 20_000

JsonDict = dict[str, Any]


def chat_of(update: JsonDict) -> int | None:
    """The chat an update belongs to (the resident's, in a private chat)."""
    for key in ("message", "edited_message", "callback_query", "my_chat_member"):
        body = update.get(key)
        if isinstance(body, dict):
            chat = (body.get("message") or body).get("chat") if key == "callback_query" else body.get("chat")
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return int(chat["id"])
            sender = body.get("from")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return int(sender["id"])
    return None


class BenchTelegram(FakeTelegram):
    """The test suite's fake Bot API, fit for a crowd, and timing every update.

    * Each update is POSTed to the next of ``targets`` in turn (several bot processes behind one URL).
    * At most ``max_connections`` updates are in flight (Telegram's setWebhook default: 40); the others
      wait their turn in order (``queue_waits``), as they would in Telegram's queue.
    * Latency: from the start of an update's delivery to the arrival of the bot's first send or edit
      in that chat (``latencies``); updates answered without any (``unreplied``) are timed to the
      webhook's answer instead (``unreplied_latencies``). ``round_trips``: start to webhook answer.
    * The test fake scans all messages to find a chat's and deep-copies each one into a journal; this
      one indexes messages by chat and keeps only the replies to the update in flight, and it forgets
      old request records, so its own cost stays flat however many residents there are.
    * ``record_updates``: keep each chat's updates in order, to replay them to another bot.
    * ``api_latency``: seconds each Bot API call takes to answer, as Telegram's servers do from afar
      (loopback answers in well under a millisecond).
    """

    def __init__(
        self, *, record_updates: bool = False, max_connections: int = 40, api_latency: float = 0.0
    ) -> None:
        super().__init__(webhook_timeout=600.0)
        self.max_connections = max_connections
        self.api_latency = api_latency
        self.targets: list[str] = []
        self.per_target: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.latencies: list[float] = []
        self.unreplied_latencies: list[float] = []
        self.round_trips: list[float] = []
        self.queue_waits: list[float] = []
        self._slots = asyncio.Semaphore(max_connections)
        self.api_calls: Counter[str] = Counter()
        self.recorded: dict[int, list[JsonDict]] | None = defaultdict(list) if record_updates else None
        self._turn = itertools.count()
        self._by_chat: dict[int, list[SentMessage]] = defaultdict(list)
        self._replies: dict[int, list[SentMessage]] = defaultdict(list)
        self._waiting: dict[int, float] = {}

    async def start(self) -> None:
        """Like Telegram, at most ``max_connections`` webhook requests at a time (its default: 40)."""
        await super().start()
        assert self._http is not None
        await self._http.close()
        self._http = ClientSession(
            timeout=ClientTimeout(total=self.webhook_timeout),
            connector=TCPConnector(limit=self.max_connections),
        )

    async def __aenter__(self) -> BenchTelegram:
        await self.start()
        return self

    # ---------------------------------------------------------------- delivery and timing
    async def deliver(self, update: JsonDict) -> int:
        if not self.targets:
            return await super().deliver(update)
        chat = chat_of(update)
        if chat is not None:
            self._replies.pop(chat, None)
            if self.recorded is not None:
                self.recorded[chat].append(update)
        queued = time.perf_counter()
        async with self._slots:  # FIFO, unlike aiohttp's connection pool under contention
            url = self.targets[next(self._turn) % len(self.targets)]
            self.per_target[url] += 1
            start = time.perf_counter()
            self.queue_waits.append(start - queued)
            if chat is not None:
                self._waiting[chat] = start
            status = await self.deliver_raw(update, WEBHOOK_SECRET, url)
            done = time.perf_counter()
        self.statuses[status] += 1
        self.round_trips.append(done - start)
        if chat is not None and self._waiting.pop(chat, None) is not None:
            self.unreplied_latencies.append(done - start)
        self._forget_old_records()
        return status

    async def _execute(self, method: str, params: JsonDict, **options: Any) -> tuple[int, JsonDict]:
        name = method.lower()
        self.api_calls[name] += 1
        if name in REPLY_METHODS:
            chat = params.get("chat_id")
            start = self._waiting.pop(chat, None) if isinstance(chat, int) else None
            if start is not None:
                self.latencies.append(time.perf_counter() - start)
        if self.api_latency:
            await asyncio.sleep(self.api_latency)
        return await super()._execute(method, params, **options)

    def _forget_old_records(self) -> None:
        for records in (self.requests, self.edits, self.webhook_deliveries):
            if len(records) > KEEP_RECORDS:
                del records[: len(records) - KEEP_RECORDS // 2]
        if len(self.callback_answers) > KEEP_RECORDS:
            self.callback_answers.clear()
        if len(self.chat_actions) > KEEP_RECORDS:
            self.chat_actions.clear()

    def reset_figures(self) -> None:
        self.latencies.clear()
        self.unreplied_latencies.clear()
        self.round_trips.clear()
        self.queue_waits.clear()
        self.statuses.clear()
        self.per_target.clear()
        self.api_calls.clear()

    # ---------------------------------------------------------------- indexed state
    def messages(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self._by_chat.get(chat_id, ()) if not m.deleted]

    def _new_message(self, chat_id: int, kind: str, params: JsonDict, **fields: Any) -> JsonDict:
        result = super()._new_message(chat_id, kind, params, **fields)
        self._by_chat[chat_id].append(self.sent.pop())
        return result

    def _record(self, message: SentMessage) -> None:
        self._replies[message.chat_id].append(message)
        self._notify()

    def journal_mark(self) -> int:
        return 0

    def journal_since(self, mark: int, chat_id: int | None = None) -> list[SentMessage]:
        """The replies to the update in flight in ``chat_id`` (live objects, not snapshots)."""
        if chat_id is None:
            return [m for replies in self._replies.values() for m in replies]
        return list(self._replies.get(chat_id, ()))

    def forget_chat(self, chat_id: int) -> None:
        """A resident who has finished: drop what the fake remembers of their chat."""
        for message in self._by_chat.pop(chat_id, ()):
            self._by_id.pop((chat_id, message.message_id), None)
        self._replies.pop(chat_id, None)
        self._user_messages.pop(chat_id, None)
        self._message_counters.pop(chat_id, None)
        self.chats.pop(chat_id, None)
        self.users.pop(chat_id, None)

    def setwebhook_at(self, url: str) -> float | None:
        """When a bot registered this webhook URL (wall clock), or None."""
        for r in self.requests:
            if r.method == "setWebhook" and r.ok and r.params.get("url") == url:
                return r.at
        return None


# -------------------------------------------------------------------- bot processes
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class BotProcess:
    """One bot in its own process (``python -m bench.botproc``), serving its webhook on ``port``."""

    kind: str
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path
    started_at: float
    ready_after: float = 0.0
    _cpu_mark: float = field(default=0.0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.proc.pid).cpu_times()
        return float(times.user + times.system)

    def rss_bytes(self) -> int:
        return int(psutil.Process(self.proc.pid).memory_info().rss)

    def mark_cpu(self) -> None:
        self._cpu_mark = self.cpu_seconds()

    def cpu_since_mark(self) -> float:
        return self.cpu_seconds() - self._cpu_mark

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    async def wait_ready(self, tg: BenchTelegram, within: float = READY_TIMEOUT_S) -> None:
        """Ready once it registered its webhook at the fake (it serves it by then)."""
        deadline = time.monotonic() + within
        while (registered := tg.setwebhook_at(self.url)) is None:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.kind} bot process exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.kind} bot process not ready after {within}s:\n{self.log_tail()}")
            await asyncio.sleep(0.05)
        self.ready_after = registered - self.started_at

    async def stop(self, within: float = 60.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(self.proc.wait, within)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        return int(self.proc.returncode)


def spawn_bot(
    kind: str,
    tg: FakeTelegram,
    workdir: Path,
    *,
    database_url: str | None = None,
    redis_url: str | None = None,
    open_round: str | None = None,
    log_level: str = "INFO",
    experiments: Sequence[str] = (),
    event_loop: str = "auto",
) -> BotProcess:
    """Start ``kind`` ("consultbot" or "echo") against the fake ``tg`` on a free loopback port."""
    port = free_port()
    log_path = workdir / f"{kind}-{port}.log"
    command = [
        sys.executable,
        "-m",
        "bench.botproc",
        kind,
        "--api-url",
        tg.base_url,
        "--token",
        tg.token,
        "--port",
        str(port),
        "--log-level",
        log_level,
        "--event-loop",
        event_loop,
    ]
    if database_url:
        command += ["--database-url", database_url]
    if redis_url:
        command += ["--redis-url", redis_url]
    if open_round:
        command += ["--open-round", open_round]
    for experiment in experiments:
        command += ["--experiment", experiment]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    started = time.time()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env
        )
    return BotProcess(kind, port, proc, log_path, started)


# -------------------------------------------------------------------- databases
def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def scratch_postgres(url: str) -> str:
    """The type of a benchmark's ``--database-url``: PostgreSQL only, as SQLite is the default (a fresh
    file in the benchmark's work directory)."""
    if is_sqlite(url):
        raise argparse.ArgumentTypeError("is for PostgreSQL; SQLite is the default (a fresh file)")
    return url


async def reset_database(database_url: str, redis_url: str | None) -> None:
    """Migrate and empty a benchmark database (PostgreSQL) and flush its Redis database.

    The benchmark owns these: never point ``--database-url``/``--redis-url`` at data you want to keep.
    """
    from sqlalchemy import text

    from bot.db import migrate
    from bot.db.engine import create_engine

    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        if not is_sqlite(database_url):
            async with engine.begin() as connection:
                names = await connection.scalars(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename != 'alembic_version'"
                    )
                )
                tables = ", ".join(f'"{name}"' for name in names)
                if tables:
                    await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()
    if redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(redis_url)
        try:
            await redis.flushdb()
        finally:
            await redis.aclose()


async def stored_answers(database_url: str) -> JsonDict:
    """What the database holds at the end: responses, answers, and any answer stored twice."""
    from sqlalchemy import func, select

    from bot.db.engine import create_engine
    from bot.db.models import Answer, Response, ResponseStatus

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            answers = int(await connection.scalar(select(func.count()).select_from(Answer)) or 0)
            distinct = int(
                await connection.scalar(
                    select(func.count()).select_from(
                        select(Answer.response_id, Answer.question_id).distinct().subquery()
                    )
                )
                or 0
            )
            responses = int(await connection.scalar(select(func.count()).select_from(Response)) or 0)
            completed = int(
                await connection.scalar(
                    select(func.count())
                    .select_from(Response)
                    .where(Response.status == ResponseStatus.COMPLETED)
                )
                or 0
            )
    finally:
        await engine.dispose()
    return {
        "answers": answers,
        "duplicate_answers": answers - distinct,
        "responses": responses,
        "completed_responses": completed,
    }


# -------------------------------------------------------------------- figures and results
def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def latency_ms(values: list[float]) -> JsonDict:
    return {
        "count": len(values),
        "p50": round(percentile(values, 50) * 1000, 2),
        "p95": round(percentile(values, 95) * 1000, 2),
        "p99": round(percentile(values, 99) * 1000, 2),
        "max": round(max(values, default=0.0) * 1000, 2),
    }


def machine() -> JsonDict:
    memory = psutil.virtual_memory()
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory.total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


def write_result(name: str, result: JsonDict, output: Path | None = None) -> Path:
    path = output or RESULTS_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": name,
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),  # the load average says whether something else ran meanwhile
        **result,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def conclude(name: str, result: JsonDict, output: Path | None, report: Callable[[JsonDict], str]) -> JsonDict:
    """Write the JSON result and print the report and where the result is."""
    path = write_result(name, result, output)
    print(report(result))
    print(f"  result: {path}")
    return result


def fresh_workdir(name: str, output: Path | None = None) -> Path:
    """A scratch directory for the bots' logs, profiles and SQLite files, beside the JSON result (kept
    after the run, for the logs)."""
    path = (output.resolve().parent if output else RESULTS_DIR) / "work" / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


# -------------------------------------------------------------------- profiling
class Profiler:
    """py-spy sampling a bot process (``pip install py-spy``; needs ptrace rights: root, or
    kernel.yama.ptrace_scope=0); ``stop`` returns the hottest frames."""

    def __init__(self, pid: int, path: Path, rate: int = 100) -> None:
        executable = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
        if executable is None:
            raise RuntimeError("--profile needs py-spy: pip install py-spy")
        self.path = path
        self.proc = subprocess.Popen(  # noqa: S603 - py-spy from our environment
            [
                executable,
                "record",
                "-p",
                str(pid),
                "-r",
                str(rate),
                "-f",
                "raw",
                "-o",
                str(path),
                "--nonblocking",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def stop(self, top: int = 40) -> JsonDict:
        self.proc.send_signal(signal.SIGINT)
        try:
            await asyncio.to_thread(self.proc.wait, 10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        return summarize_profile(self.path, top)


def summarize_profile(path: Path, top: int = 40) -> JsonDict:
    """Inclusive and self shares of the frames in py-spy's raw (collapsed stacks) output."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return {"samples": 0, "file": str(path)}
    for line in lines:
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n

    def share(counter: Counter[str]) -> list[list[Any]]:
        return [[round(n / total * 100, 1), frame] for frame, n in counter.most_common(top)]

    return {
        "samples": total,
        "file": str(path),
        "inclusive_percent": share(inclusive),
        "self_percent": share(own),
    }
