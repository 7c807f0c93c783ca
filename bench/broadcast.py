"""Broadcast: N queued invitations delivered by ``consultbot sender`` against a fake Bot API that enforces
Telegram's limits (30 messages a second overall, 1 a second per chat) with 429s.

    python -m bench.broadcast [--messages 20000]
    python -m bench.broadcast --database-url postgresql+asyncpg://…/bench --redis-url redis://…/11 \\
        [--senders 2]

N residents who agreed to hear of future consultations, an open round, and a broadcast job to them,
drafted, confirmed and approved through the outbox service as staff would. Then the real sender
(``consultbot sender``, in processes of its own) delivers it to the fake on loopback until the job is
done. The fake's journal of sends gives the achieved rate over the send window (first delivery to last),
the 429s, duplicates (a chat that got the invitation twice) and lost residents (never got it); the
outbox rows must agree with it. The PostgreSQL database and the Redis database are emptied first: use
scratch ones.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import subprocess
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fake_telegram.api import SEND_METHODS

from .harness import (
    PSEUDONYM_KEY,
    ROOT,
    BenchTelegram,
    BotProcess,
    JsonDict,
    Profiler,
    conclude,
    fresh_workdir,
    is_sqlite,
    reset_database,
    scratch_postgres,
)
from .startup import consultbot_command

NAME = "broadcast"
PER_SECOND = 30  # the fake's limits: Telegram's
PER_CHAT_PER_SECOND = 1
TARGET_SHARE = 0.95  # of PER_SECOND, over the send window
SURVEY_SLUG = "charleroi-learning-city"
ROUND_PAYLOAD = "broadcast"
FIRST_CHAT = 8_100_000_000
LANGUAGES = ("fr", "nl", "en", "ar")  # residents' languages, in turn: each gets the text in theirs
BATCH = 2_000
SEND_NAMES = frozenset(name.lower() for name in SEND_METHODS)
# Invitation text and button as /broadcast writes them (handlers/staff/broadcasts.py).
INVITATION = (
    "The City of {city} would like your opinion: {title}\n"
    "It takes a few minutes. Press the button to take part."
)
BUTTON = "Take part"


@dataclass(frozen=True)
class Send:
    """One send the fake answered: when (monotonic), to whom, with what status and text."""

    at: float
    chat_id: int | None
    status: int
    text: str | None


class BroadcastTelegram(BenchTelegram):
    """The benchmark fake, with a journal of every send and only a bounded memory of other requests."""

    def __init__(self) -> None:
        super().__init__()
        self.sends: list[Send] = []

    async def __aenter__(self) -> BroadcastTelegram:
        await self.start()
        return self

    async def _execute(self, method: str, params: JsonDict, **options: Any) -> tuple[int, JsonDict]:
        at = time.monotonic()
        status, body = await super()._execute(method, params, **options)
        if method.lower() in SEND_NAMES:
            chat = params.get("chat_id")
            text = params.get("text")
            self.sends.append(
                Send(
                    at,
                    chat if isinstance(chat, int) else None,
                    status,
                    text if isinstance(text, str) else None,
                )
            )
        self._forget_old_records()
        return status, body

    def delivered(self) -> int:
        return sum(1 for s in self.sends if s.status == 200)


# -------------------------------------------------------------------- preparing the job
async def prepare(database_url: str, messages: int, bot_username: str) -> tuple[int, dict[str, str]]:
    """The round, the residents and the approved broadcast job: (job id, text per language)."""
    from bot.clock import SystemClock
    from bot.config import SHIPPED_SURVEYS_DIR, Settings
    from bot.db.models import Consent, ConsentKind, Contact, JobKind, JobStatus
    from bot.services.container import Services
    from bot.services.notifications import NOTIFY_TEXT_VERSION
    from bot.setup import build_context

    settings = Settings(
        _env_file=None,
        database_url=database_url,
        pseudonym_key=PSEUDONYM_KEY,
        surveys_dir=SHIPPED_SURVEYS_DIR,
    )
    ctx = await build_context(settings, SystemClock())  # migrates, stores the shipped survey
    try:
        async with ctx.sessions.begin() as session:
            services = Services(session, ctx)
            version = await services.surveys.get(SURVEY_SLUG)
            if version is None:
                raise RuntimeError(f"survey {SURVEY_SLUG} is not loaded")
            rnd = await services.rounds.open_round(version, payload=ROUND_PAYLOAD)
            _, survey = await services.stats.round_and_survey(rnd.id, include_test=True)
        # Residents who said yes to news of future consultations. The services make one contact and one
        # consent at a time (a resident's first action, then their answer to the question); for 20,000
        # the benchmark writes the same rows through the ORM in bulk, as tests/outbox_support.py does.
        now = ctx.clock.now()
        for start in range(0, messages, BATCH):
            async with ctx.sessions.begin() as session:
                contacts = [
                    Contact(telegram_id=chat, chat_id=chat, language=language_of(chat), created_at=now)
                    for chat in range(FIRST_CHAT + start, FIRST_CHAT + min(start + BATCH, messages))
                ]
                session.add_all(contacts)
                await session.flush()
                session.add_all(
                    Consent(
                        contact_id=contact.id,
                        kind=kind,
                        version=NOTIFY_TEXT_VERSION,
                        language=contact.language or settings.default_locale,
                        given_at=now,
                    )
                    for contact in contacts
                    for kind in (ConsentKind.PRIVACY_NOTICE, ConsentKind.NOTIFY_FUTURE)
                )
        catalogs = ctx.catalogs
        texts = {
            language: str(catalogs.gettext(INVITATION, locale=language)).format(
                city=settings.city_name, title=survey.title.get(language)
            )
            for language in sorted(ctx.languages)
        }
        labels = {
            language: str(catalogs.gettext(BUTTON, locale=language)) for language in sorted(ctx.languages)
        }
        # The job as staff make it: drafted, confirmed (the recipients are written), and approved by a
        # second staff member (it is over BROADCAST_APPROVAL_OVER).
        async with ctx.sessions.begin() as session:
            outbox = Services(session, ctx).outbox
            job = await outbox.draft(
                JobKind.BROADCAST,
                rnd.id,
                texts,
                by="bench-staff-1",
                default_language=settings.default_locale,
                button_labels=labels,
                button_url=f"https://t.me/{bot_username}?start={ROUND_PAYLOAD}",
            )
            job = await outbox.confirm(job.id)
            if job.total != messages:
                raise RuntimeError(f"the job has {job.total} recipients, not {messages}")
            if job.status is JobStatus.AWAITING_APPROVAL:
                job = await outbox.approve(job.id, "bench-staff-2")
            job_id = job.id
    finally:
        await ctx.engine.dispose()
    return job_id, texts


def language_of(chat: int) -> str:
    return LANGUAGES[(chat - FIRST_CHAT) % len(LANGUAGES)]


# -------------------------------------------------------------------- sender processes
def spawn_sender(
    tg: BenchTelegram,
    workdir: Path,
    number: int,
    database_url: str,
    redis_url: str | None,
    log_level: str,
    send_rate: float | None = None,
) -> BotProcess:
    """``consultbot sender`` against the fake, configured by its environment only (no .env: the work
    directory has none, and every consultbot setting of ours is dropped from the environment)."""
    from bot.config import Settings

    ours = {name.upper() for name in Settings.model_fields}
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_")) and k.upper() not in ours
    }
    env.update(
        BOT_TOKEN=tg.token,
        TELEGRAM_API_URL=tg.base_url,
        DATABASE_URL=database_url,
        PSEUDONYM_KEY=PSEUDONYM_KEY,
        LOG_LEVEL=log_level,
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    if send_rate is not None:
        env["SEND_RATE"] = str(send_rate)
    log_path = workdir / f"sender-{number}.log"
    started = time.time()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [*consultbot_command(), "sender"],
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    return BotProcess("sender", 0, proc, log_path, started)


def peak_rss_bytes(process: BotProcess) -> int:
    """The process's peak RSS so far (Linux: VmHWM), else its RSS now."""
    try:
        status = Path(f"/proc/{process.proc.pid}/status").read_text(encoding="ascii")
    except OSError:
        return process.rss_bytes()
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return process.rss_bytes()


async def job_state(database_url: str, job_id: int) -> JsonDict:
    """The job's status and its messages' statuses, per sender, and the chats the outbox says got it."""
    from sqlalchemy import func, select

    from bot.db.engine import create_engine
    from bot.db.models import Contact, DeliveryStatus, OutboxJob, OutboxMessage

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            status = await connection.scalar(select(OutboxJob.status).where(OutboxJob.id == job_id))
            rows = await connection.execute(
                select(OutboxMessage.status, func.count())
                .where(OutboxMessage.job_id == job_id)
                .group_by(OutboxMessage.status)
            )
            statuses = {str(s): int(n) for s, n in rows}
            rows = await connection.execute(
                select(OutboxMessage.claimed_by, func.count())
                .where(OutboxMessage.job_id == job_id)
                .group_by(OutboxMessage.claimed_by)
            )
            per_sender = sorted(int(n) for _, n in rows)
            sent_chats = list(
                await connection.scalars(
                    select(Contact.chat_id)
                    .join(OutboxMessage, OutboxMessage.contact_id == Contact.id)
                    .where(OutboxMessage.job_id == job_id, OutboxMessage.status == DeliveryStatus.SENT)
                )
            )
    finally:
        await engine.dispose()
    return {
        "job_status": str(status),
        "statuses": statuses,
        "per_sender": per_sender,
        "sent_chats": sent_chats,
    }


async def job_done(database_url: str, job_id: int) -> bool:
    from sqlalchemy import select

    from bot.db.engine import create_engine
    from bot.db.models import JobStatus, OutboxJob

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            status = await connection.scalar(select(OutboxJob.status).where(OutboxJob.id == job_id))
    finally:
        await engine.dispose()
    return status is JobStatus.DONE


# -------------------------------------------------------------------- the run
@dataclass
class Watch:
    """What the driver saw while the senders worked (monotonic times)."""

    first_send: float | None = None
    done_at: float | None = None
    cpu_at_first_send: tuple[float, ...] = ()
    timed_out: bool = False


async def watch(
    tg: BroadcastTelegram,
    senders: list[BotProcess],
    database_url: str,
    job_id: int,
    messages: int,
    within: float,
    profile_to: Path | None,
) -> tuple[Watch, Profiler | None]:
    """Wait until the job is done (the database says so), the senders all died, or ``within`` s."""
    seen = Watch()
    profiler: Profiler | None = None
    deadline = time.monotonic() + within
    last_check = 0.0
    while True:
        now = time.monotonic()
        if seen.first_send is None and tg.sends:
            seen.first_send = tg.sends[0].at
            seen.cpu_at_first_send = tuple(s.cpu_seconds() for s in senders)
            if profile_to is not None:
                profiler = Profiler(senders[0].proc.pid, profile_to)
        if all(s.proc.poll() is not None for s in senders):
            tails = "\n".join(s.log_tail() for s in senders)
            raise RuntimeError(f"every sender exited before the job was done:\n{tails}")
        quiet = not tg.sends or now - tg.sends[-1].at > 1.0
        if (tg.delivered() >= messages or quiet) and now - last_check >= 1.0:
            last_check = now
            if await job_done(database_url, job_id):
                seen.done_at = time.monotonic()
                return seen, profiler
        if now > deadline:
            seen.timed_out = True
            return seen, profiler
        await asyncio.sleep(0.2)


def analyse(tg: BroadcastTelegram, messages: int, texts: dict[str, str], stored: JsonDict) -> JsonDict:
    """Rate, 429s, duplicates and lost residents from the fake's journal; the outbox rows must agree."""
    ok = [s for s in tg.sends if s.status == 200]
    per_chat = Counter(s.chat_id for s in ok)
    residents = range(FIRST_CHAT, FIRST_CHAT + messages)
    lost = [chat for chat in residents if per_chat[chat] == 0]
    duplicates = sum(n - 1 for n in per_chat.values() if n > 1)
    strangers = sum(
        n for chat, n in per_chat.items() if chat is None or not FIRST_CHAT <= chat < FIRST_CHAT + messages
    )
    default = texts.get("fr", "")
    wrong_text = sum(
        1 for s in ok if s.chat_id is not None and s.text != texts.get(language_of(s.chat_id), default)
    )
    statuses = Counter(s.status for s in tg.sends)
    span = ok[-1].at - ok[0].at if len(ok) > 1 else 0.0
    rate = (len(ok) - 1) / span if span > 0 else 0.0
    gaps = [b.at - a.at for a, b in itertools.pairwise(ok)]
    buckets = per_window_rates(ok, 10.0)
    sent_in_db = set(stored.pop("sent_chats"))
    delivered = set(per_chat) - {None}
    return {
        "delivered": len(ok),
        "send_attempts": len(tg.sends),
        "http_statuses": {str(k): v for k, v in sorted(statuses.items())},
        "too_many_requests": statuses.get(429, 0),
        "duplicates": duplicates,
        "chats_with_duplicates": sum(1 for n in per_chat.values() if n > 1),
        "lost": len(lost),
        "lost_sample": lost[:10],
        "sent_to_strangers": strangers,
        "wrong_text": wrong_text,
        "send_window_seconds": round(span, 3),
        "rate_per_second": round(rate, 3),
        "rate_share_of_limit": round(rate / PER_SECOND, 4),
        "longest_gap_seconds": round(max(gaps, default=0.0), 3),
        "gaps_over_half_a_second": sum(1 for g in gaps if g > 0.5),
        "rate_per_10s_window": {
            "min": round(min(buckets, default=0.0), 2),
            "median": round(statistics.median(buckets), 2) if buckets else 0.0,
            "max": round(max(buckets, default=0.0), 2),
            "all": [round(b, 2) for b in buckets],
        },
        "outbox": stored,
        "outbox_sent_but_not_delivered": len(sent_in_db - delivered),
        "delivered_but_not_marked_sent": len(delivered - sent_in_db),
    }


def write_journal(sends: list[Send], path: Path) -> None:
    """The fake's journal of sends, for a closer look (seconds from the first send, chat, status)."""
    start = sends[0].at if sends else 0.0
    lines = ["seconds,chat_id,status", *(f"{s.at - start:.6f},{s.chat_id},{s.status}" for s in sends)]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")


def per_window_rates(sends: list[Send], width: float) -> list[float]:
    """Deliveries per second in each whole ``width``-second window from the first delivery (the last,
    partial window left out)."""
    if not sends:
        return []
    start = sends[0].at
    counts: Counter[int] = Counter(int((s.at - start) // width) for s in sends)
    whole = int((sends[-1].at - start) // width)
    return [counts[i] / width for i in range(whole)]


async def run(args: argparse.Namespace) -> JsonDict:
    workdir = fresh_workdir(NAME, args.output)
    database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'consultbot.db'}"
    await reset_database(database_url, args.redis_url)
    result: JsonDict = {
        "parameters": {
            "messages": args.messages,
            "senders": args.senders,
            "database": "sqlite" if is_sqlite(database_url) else "postgresql",
            "redis": bool(args.redis_url),
            "limit_per_second": PER_SECOND,
            "limit_per_chat_per_second": PER_CHAT_PER_SECOND,
            "target_rate_per_second": PER_SECOND * TARGET_SHARE,
            "languages": list(LANGUAGES),
            "send_rate": args.send_rate,
        }
    }
    timeout = args.timeout or max(300.0, args.messages / PER_SECOND * 4 + 120)
    async with BroadcastTelegram() as tg:
        prepared = time.perf_counter()
        job_id, texts = await prepare(database_url, args.messages, str(tg.bot_user["username"]))
        result["prepare_seconds"] = round(time.perf_counter() - prepared, 2)
        for chat in range(FIRST_CHAT, FIRST_CHAT + args.messages):
            tg.chats[chat] = {"id": chat, "type": "private", "first_name": f"R{chat}"}
        tg.rate_limit(PER_SECOND, PER_CHAT_PER_SECOND)
        senders = [
            spawn_sender(tg, workdir, i, database_url, args.redis_url, args.log_level, args.send_rate)
            for i in range(args.senders)
        ]
        profile_to = workdir / "sender-0.pyspy.txt" if args.profile else None
        try:
            seen, profiler = await watch(
                tg, senders, database_url, job_id, args.messages, timeout, profile_to
            )
            cpu_total = [s.cpu_seconds() for s in senders]
            peaks = [peak_rss_bytes(s) for s in senders]
            if profiler is not None:
                result["profile"] = await profiler.stop()
        finally:
            codes = [await s.stop() for s in senders]
    write_journal(tg.sends, workdir / "sends.csv")
    stored = await job_state(database_url, job_id)
    figures = analyse(tg, args.messages, texts, stored)
    sending_cpu = [total - start for total, start in zip(cpu_total, seen.cpu_at_first_send, strict=False)]
    delivered = figures["delivered"]
    figures.update(
        job_id=job_id,
        timed_out=seen.timed_out,
        job_done_after_last_send_seconds=(
            round(seen.done_at - tg.sends[-1].at, 2) if seen.done_at is not None and tg.sends else None
        ),
        sender_cpu_seconds=[round(c, 3) for c in cpu_total],
        sender_cpu_seconds_while_sending=[round(c, 3) for c in sending_cpu],
        sender_cpu_ms_per_message=round(sum(sending_cpu) / delivered * 1000, 3) if delivered else 0.0,
        sender_peak_rss_mb=[round(p / 2**20, 1) for p in peaks],
        exit_codes=codes,
    )
    figures["meets_target"] = (
        not seen.timed_out
        and figures["rate_per_second"] >= PER_SECOND * TARGET_SHARE
        and figures["duplicates"] == 0
        and figures["lost"] == 0
    )
    result.update(figures)
    return result


def report(result: JsonDict) -> str:
    p = result["parameters"]
    store = p["database"] + (" + redis" if p["redis"] else "")
    window = result["rate_per_10s_window"]
    lines = [
        f"broadcast: {p['messages']} invitations, {p['senders']} sender(s), {store}, "
        f"fake limit {p['limit_per_second']}/s and {p['limit_per_chat_per_second']}/s per chat",
        f"  delivered {result['delivered']} in {result['send_window_seconds']:.1f}s"
        f" = {result['rate_per_second']:.2f}/s ({result['rate_share_of_limit']:.1%} of the limit;"
        f" target >= {p['target_rate_per_second']:.1f}/s)",
        f"  per 10 s: min {window['min']:.1f}, median {window['median']:.1f}, max {window['max']:.1f}/s;"
        f" longest gap {result['longest_gap_seconds']:.2f}s",
        f"  429s {result['too_many_requests']} | duplicates {result['duplicates']} | lost {result['lost']}"
        f" | wrong text {result['wrong_text']} | statuses {result['http_statuses']}",
        f"  outbox: job {result['outbox']['job_status']}, {result['outbox']['statuses']},"
        f" per sender {result['outbox']['per_sender']};"
        f" sent-but-not-delivered {result['outbox_sent_but_not_delivered']},"
        f" delivered-but-not-marked {result['delivered_but_not_marked_sent']}",
        f"  sender CPU {result['sender_cpu_seconds']} s in all,"
        f" {result['sender_cpu_seconds_while_sending']} s while sending"
        f" ({result['sender_cpu_ms_per_message']:.2f} ms/message);"
        f" peak RSS {result['sender_peak_rss_mb']} MB",
        f"  target met: {result['meets_target']}" + (" (timed out)" if result["timed_out"] else ""),
    ]
    return "\n".join(lines)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast", description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000, help="residents invited (one message each)")
    parser.add_argument(
        "--senders", type=int, default=1, help="`consultbot sender` processes (PostgreSQL+Redis)"
    )
    parser.add_argument(
        "--database-url", type=scratch_postgres, default=None, help="a scratch PostgreSQL database (emptied)"
    )
    parser.add_argument("--redis-url", default=None, help="a scratch Redis database (flushed)")
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds to wait for the job (default: 4x)"
    )
    parser.add_argument("--log-level", default="INFO", help="the senders' LOG_LEVEL")
    parser.add_argument(
        "--send-rate", type=float, default=None, help="the senders' SEND_RATE (default: theirs, 30)"
    )
    parser.add_argument("--profile", action="store_true", help="sample the first sender with py-spy")
    parser.add_argument(
        "--output", type=Path, default=None, help="JSON result (bench/results/broadcast.json)"
    )
    args = parser.parse_args(argv)
    if args.messages < 1:
        parser.error("--messages must be at least 1")
    if args.senders > 1 and (args.database_url is None or args.redis_url is None):
        parser.error("--senders > 1 needs --database-url (PostgreSQL) and --redis-url (to share the rate)")
    return args


def main(argv: Sequence[str] | None = None) -> JsonDict:
    args = parse(argv)
    return conclude(NAME, asyncio.run(run(args)), args.output, report)


if __name__ == "__main__":
    main()
