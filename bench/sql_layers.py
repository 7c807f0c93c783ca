"""What a button answer's SQL costs at each layer below the bot, on SQLite.

    python -m bench.sql_layers [--answers 2000] [--output PATH]

Issue 9's throughput target (CPU per update at most 2× a bare aiogram bot's) is missed; one update at a
time, about half of the gap is the database's work (bench/RESULTS.md §1). This benchmark says how much of
that is the layers the bot goes through. N residents each answer the first question of a survey (a
select_one) once, as the bot's unit of work does: claim the update, read the contact, read the response
with its round and answers, write the response's position and the answer, commit (before the replies,
bot/commit_point.py); then mark the update completed, commit. The statements this sends to SQLite are
recorded, then run again, text and parameters unchanged, transaction by transaction, through each layer
below:

1. ``shipped``: the services the survey's button handler calls (`ProcessedUpdates.claim` and `complete`,
   `Contacts.find`, `SurveyRunner.load` and `choose`, the commits): SQLAlchemy's async ORM over the bot's
   SQLite driver (bot/db/sqlite_onehop.py), with those services' own Python (the survey engine's step).
2. ``driver_sql``: SQLAlchemy's async Core with no ORM and no compilation: the recorded statements through
   `AsyncConnection.exec_driver_sql`, on the same engine (BEGIN IMMEDIATE in the first statement's hop).
3. ``aiosqlite``: a plain aiosqlite connection, one call (one trip to its thread) per statement, and one
   each for BEGIN IMMEDIATE and COMMIT.
4. ``sqlite3_blocking``: the standard library's sqlite3 on the calling thread. The bot must never do this
   (it blocks the event loop); it is SQLite's own work, for reference.

Each layer starts from its own copy of the database as it was before the answers, and each checks that
it stored N answers and N completed update records. CPU is the process's, all threads (the SQLite
thread counts), per answer; the layers run in turn, `--runs` times, interleaved, and the median is kept.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import loop

from .harness import JsonDict, conclude, fresh_workdir

if TYPE_CHECKING:
    from bot.context import AppContext

NAME = "sql_layers"
FIRST_TELEGRAM_ID = 7_000_000_000
FIRST_UPDATE_ID = 900_000_000
CHOICE = "jumet"  # the first question of bench.export's survey is the district, a select_one
SETUP_BATCH = 200
LAYERS = ("shipped", "driver_sql", "aiosqlite", "sqlite3_blocking")

Statement = tuple[str, Any]
Timing = tuple[float, float]  # CPU seconds (the process's, all threads), wall seconds
Layer = Callable[[Path, list[list[Statement]]], Awaitable[Timing]]


def _now() -> Timing:
    return time.process_time(), time.perf_counter()


def _since(start: Timing) -> Timing:
    cpu, wall = _now()
    return cpu - start[0], wall - start[1]


async def _context(database: Path) -> AppContext:
    """The bot's context on `database`, with no shipped survey (only the benchmark's own)."""
    from pydantic import SecretStr

    from bot.config import Settings
    from bot.setup import build_context

    from .export import KEY, TIMEZONE

    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{database}",
        pseudonym_key=SecretStr(KEY),
        timezone=TIMEZONE,
        surveys_dir=database.parent / "no-surveys",  # made by `measure`
    )
    return await build_context(settings)


async def populate(database: Path, answers: int) -> JsonDict:
    """The survey stored, its round open, and `answers` residents who agreed to the privacy notice and
    stand at the first question. Returns what the answers need: the round and each one's shown index."""
    from bot.services.answering import Progress
    from bot.services.container import Services

    from .export import PAYLOAD, SURVEY_ID, survey_source

    ctx = await _context(database)
    try:
        async with ctx.sessions.begin() as session:
            services = Services(session, ctx)
            await services.surveys.store(survey_source(10), "bench-sql-layers.yaml")
            version = await services.surveys.get(SURVEY_ID)
            assert version is not None
            rnd = await services.rounds.open_round(version, title="Banc d'essai : SQL", payload=PAYLOAD)
            round_id = rnd.id
        shown: list[int] = []
        for first in range(0, answers, SETUP_BATCH):
            async with ctx.sessions.begin() as session:
                services = Services(session, ctx)
                for number in range(first, min(first + SETUP_BATCH, answers)):
                    telegram_id = FIRST_TELEGRAM_ID + number
                    contact = await services.contacts.ensure(telegram_id, telegram_id, "fr")
                    await services.privacy.acknowledge(contact, "fr")
                    progress = await services.runner.enter(contact, round_id, "fr")
                    assert isinstance(progress, Progress) and progress.question is not None
                    shown.append(progress.shown_index)
    finally:
        await ctx.engine.dispose()
    return {"round_id": round_id, "shown": shown}


async def shipped(
    database: Path, plan: JsonDict, record: bool = False
) -> tuple[Timing, list[list[Statement]]]:
    """Each answer through the services, as UnitOfWork and the button handler call them; with `record`,
    also the statements of each transaction (a pass of its own: the listener costs CPU)."""
    from sqlalchemy import event

    from bot.services.answering import Progress
    from bot.services.container import Services

    ctx = await _context(database)
    recorded: list[list[Statement]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        recorded[-1].append((statement, parameters))

    if record:
        event.listen(ctx.engine.sync_engine, "before_cursor_execute", keep)
    try:
        started = _now()
        for number, shown_index in enumerate(plan["shown"]):
            update_id = FIRST_UPDATE_ID + number
            recorded.append([])
            async with ctx.sessions() as session:
                services = Services(session, ctx)
                if not await services.processed_updates.claim(update_id, completed=False):
                    raise RuntimeError("update claimed twice")
                contact = await services.contacts.find(FIRST_TELEGRAM_ID + number)
                assert contact is not None
                await services.contacts.mark_reachable(contact)
                progress = await services.runner.load(contact, plan["round_id"], shown_index)
                result = await services.runner.choose(progress, CHOICE)
                assert isinstance(result, Progress)
                await session.commit()  # before the handler's first Bot API call
                recorded.append([])
                await services.processed_updates.complete(update_id)
                await session.commit()
        timing = _since(started)
    finally:
        await ctx.engine.dispose()
    return timing, recorded


async def driver_sql(database: Path, recorded: list[list[Statement]]) -> Timing:
    from bot.db.engine import create_engine

    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        async with engine.connect():
            pass  # the connection is opened and set up before the clock starts, as for the others
        started = _now()
        for statements in recorded:
            async with engine.begin() as connection:
                for statement, parameters in statements:
                    result = await connection.exec_driver_sql(statement, parameters)
                    if result.returns_rows:
                        result.all()
        return _since(started)
    finally:
        await engine.dispose()


async def plain_aiosqlite(database: Path, recorded: list[list[Statement]]) -> Timing:
    import aiosqlite

    async with aiosqlite.connect(database, isolation_level=None) as connection:
        await _pragmas_async(connection)
        started = _now()
        for statements in recorded:
            await connection.execute("BEGIN IMMEDIATE")
            for statement, parameters in statements:
                await connection.execute_fetchall(statement, parameters)
            await connection.commit()
        return _since(started)


async def sqlite3_blocking(database: Path, recorded: list[list[Statement]]) -> Timing:
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        for pragma in _PRAGMAS:
            connection.execute(pragma)
        started = _now()
        for statements in recorded:
            connection.execute("BEGIN IMMEDIATE")
            for statement, parameters in statements:
                connection.execute(statement, parameters).fetchall()
            connection.execute("COMMIT")
        return _since(started)
    finally:
        connection.close()


# As bot/db/engine.py sets each connection up.
_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA busy_timeout=10000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)


async def _pragmas_async(connection: Any) -> None:
    for pragma in _PRAGMAS:
        await connection.execute(pragma)


def stored(database: Path) -> JsonDict:
    connection = sqlite3.connect(database)
    try:
        answers = connection.execute("SELECT count(*) FROM answers").fetchone()[0]
        updates = connection.execute(
            "SELECT count(*) FROM processed_updates WHERE update_id >= ? AND completed", (FIRST_UPDATE_ID,)
        ).fetchone()[0]
    finally:
        connection.close()
    return {"answers": answers, "update_records": updates}


def checkpoint(database: Path) -> None:
    """Fold the WAL into the database file, so that a copy of the file is the whole database."""
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


async def measure(workdir: Path, answers: int, runs: int) -> JsonDict:
    pristine = workdir / "pristine.db"
    (workdir / "no-surveys").mkdir()  # only the benchmark's own survey is stored
    started = time.perf_counter()
    plan = await populate(pristine, answers)
    checkpoint(pristine)
    setup_seconds = time.perf_counter() - started

    replays: dict[str, Layer] = {
        "driver_sql": driver_sql,
        "aiosqlite": plain_aiosqlite,
        "sqlite3_blocking": sqlite3_blocking,
    }
    recording = workdir / "recording.db"
    shutil.copyfile(pristine, recording)
    _, recorded = await shipped(recording, plan, record=True)
    samples: dict[str, list[tuple[float, float]]] = {layer: [] for layer in LAYERS}
    checks: dict[str, JsonDict] = {"recording": stored(recording)}
    for run in range(runs):
        for layer in LAYERS:
            database = workdir / f"{layer}-{run}.db"
            shutil.copyfile(pristine, database)
            if layer == "shipped":
                timing, _ = await shipped(database, plan)
            else:
                timing = await replays[layer](database, recorded)
            samples[layer].append(timing)
            checks[layer] = stored(database)
            for suffix in ("", "-wal", "-shm"):
                database.with_name(database.name + suffix).unlink(missing_ok=True)

    per_answer = {
        layer: {
            "cpu_us": round(statistics.median(cpu for cpu, _ in samples[layer]) / answers * 1e6, 1),
            "wall_us": round(statistics.median(wall for _, wall in samples[layer]) / answers * 1e6, 1),
            "stored": checks[layer],
        }
        for layer in LAYERS
    }
    per_transaction = len(recorded) // answers
    return {
        "answers": answers,
        "runs": runs,
        "setup_seconds": round(setup_seconds, 1),
        "transactions_per_answer": per_transaction,
        "statements": [
            [statement.split("\n")[0][:100] for statement, _ in transaction]
            for transaction in recorded[:per_transaction]
        ],
        "recording_stored": checks["recording"],
        "per_answer": per_answer,
    }


def report(result: JsonDict) -> str:
    per = result["per_answer"]
    lines = [
        f"{NAME}: {result['answers']} button answers, each {result['transactions_per_answer']} transactions"
        f" of {[len(t) for t in result['statements']]} statements (and BEGIN IMMEDIATE, COMMIT),"
        f" median of {result['runs']} runs"
    ]
    shipped_cpu = per["shipped"]["cpu_us"]
    for layer in LAYERS:
        figures = per[layer]
        saved = shipped_cpu - figures["cpu_us"]
        lines.append(
            f"  {layer:17s} CPU {figures['cpu_us']:7.1f} µs/answer  wall {figures['wall_us']:7.1f} µs"
            f"  ({saved:+.1f} µs against shipped)  stored {figures['stored']}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> JsonDict:
    parser = argparse.ArgumentParser(prog="python -m bench.sql_layers", description=__doc__)
    parser.add_argument("--answers", type=int, default=2000, help="residents, one answer each (default 2000)")
    parser.add_argument("--runs", type=int, default=3, help="runs of every layer, interleaved (default 3)")
    parser.add_argument("--output", type=Path, help="the JSON result (default bench/results/)")
    args = parser.parse_args(argv)
    workdir = fresh_workdir(NAME, args.output)
    result = loop.run(lambda: measure(workdir, args.answers, args.runs))  # uvloop, as the bot
    return conclude(NAME, result, args.output, report)


if __name__ == "__main__":
    main()
