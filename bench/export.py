"""Export: one round of N responses × 10 questions written as CSV, XLSX and JSON Lines by `consultbot export`.

    python -m bench.export [--responses 100000] [--questions 10] [--runs 1] [--formats csv,xlsx,json]
    python -m bench.export --database-url postgresql+asyncpg://…/bench_export

Each export runs in a process of its own, so that its wall time, CPU time and peak RSS (the kernel's
high-water mark, VmHWM) are its own. In the same run, two references write the same rows from the same
database, each in its own process too:

* **Python**: a plain script, csv.writer over a raw driver cursor (sqlite3; asyncpg's cursor on
  PostgreSQL) reading the responses joined to their answers and pivoting each response into one row. Same
  columns, same values (keyed pseudonym, city time, formula guard): the benchmark checks that the two
  files are identical, byte for byte.
* **The database's own dump**: the sqlite3 shell in CSV mode, or PostgreSQL's `COPY … TO STDOUT WITH
  CSV` through psql, of a query that pivots the answers in SQL. SQL has no keyed hash and no city time,
  so it gives raw respondent ids and UTC times: the same rows and columns, not the same bytes. A floor.

Targets (issue 9 §4): CSV within 2× the Python reference; peak RSS under 300 MB for every format. The
ratio is of wall times; CPU times are given too (on PostgreSQL they leave out the server's work).
`--runs N` runs every command N times, interleaved, and keeps the median time and the highest RSS.

The survey is stored and the round opened through the real services; the responses and answers are then
bulk-inserted with core INSERT executemany, which is setup and not measured. Every response answers
every question, so N responses × 10 questions is N × 10 answers. The PostgreSQL database is emptied
first: give a scratch one.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import hmac
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from surveys import Survey

# Only the standard library is imported at the top: `python -m bench.export --reference …` is the
# Python reference's own process and must not pay for the harness, SQLAlchemy or the bot. The driver's
# imports are inside its functions.

NAME = "export"
FORMATS = ("csv", "xlsx", "json")
TARGET_CSV_RATIO = 2.0
TARGET_PEAK_RSS_MB = 300.0
KEY = "bench-pseudonym-key"  # as bench.harness.PSEUDONYM_KEY
TIMEZONE = "Europe/Brussels"
SURVEY_ID = "bench-export"
PAYLOAD = "bench_export"
LINK_LABELS = ("Maison de quartier de Jumet", "Affiches — gare du Sud")
CHUNK = 2_000  # responses per bulk INSERT
SEED = 9
PEAK_POLL_S = 0.01
ROOT = Path(__file__).resolve().parent.parent

# What `consultbot export --format csv` writes, restated for the references (bot/services/export_*.py).
META = ("respondent", "language", "source", "assisted", "started", "completed", "status")
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

JsonDict = dict[str, Any]

# -------------------------------------------------------------------- the survey and its answers
DISTRICTS = ("charleroi", "jumet", "gilly", "marcinelle", "montignies", "gosselies")
TOPICS = ("culture", "sport", "mobility", "green", "housing")
PRIORITIES = ("near", "free", "evening", "children", "accessible")
QUESTIONS: tuple[JsonDict, ...] = (
    {
        "id": "district",
        "type": "select_one",
        "other": True,
        "label": {"fr": "Dans quel quartier habitez-vous ?", "en": "Which district do you live in?"},
        "choices": [{"id": c, "label": c.title()} for c in DISTRICTS],
    },
    {
        "id": "topics",
        "type": "select_multiple",
        "other": True,
        "label": {"fr": "Quels sujets vous intéressent ?", "en": "Which topics interest you?"},
        "choices": [{"id": c, "label": {"fr": c.title(), "en": c.title()}} for c in TOPICS],
    },
    {
        "id": "likes",
        "type": "yes_no",
        "label": {"fr": "Aimez-vous votre quartier ?", "en": "Do you like it?"},
    },
    {
        "id": "score",
        "type": "scale",
        "min": 1,
        "max": 5,
        "label": {"fr": "Votre note ?", "en": "Your score?"},
    },
    {
        "id": "age",
        "type": "integer",
        "min": 16,
        "max": 110,
        "label": {"fr": "Votre âge ?", "en": "Your age?"},
    },
    {"id": "km", "type": "decimal", "min": 0, "max": 100, "label": {"fr": "Distance (km) ?", "en": "Km?"}},
    {"id": "idea", "type": "text", "max_length": 1000, "label": {"fr": "Une idée ?", "en": "An idea?"}},
    {"id": "when", "type": "date", "label": {"fr": "Quand êtes-vous libre ?", "en": "When are you free?"}},
    {
        "id": "priorities",
        "type": "rank",
        "top": 3,
        "label": {"fr": "Vos priorités ?", "en": "Your priorities?"},
        "choices": [{"id": c, "label": {"fr": c.title(), "en": c.title()}} for c in PRIORITIES],
    },
    {
        "id": "comment",
        "type": "text",
        "max_length": 4000,
        "label": {"fr": "Autre chose à nous dire ?", "en": "Anything else?"},
    },
)
# Residents' words: French mostly, and the city's other languages (non-ASCII, right-to-left, emoji), with
# the commas, quotes and line breaks a CSV writer must escape.
SENTENCES = (
    "Plus de bancs dans le parc, s'il vous plaît.",
    "La bibliothèque devrait ouvrir le soir et le dimanche.",
    "Éclairage public à réparer rue de la Montagne.",
    'Des cours de "français langue étrangère" près de la gare.',
    "Les bus 41 et 43 passent trop rarement après 19 h.",
    "Un atelier vélo pour les jeunes du quartier 🚲",
    "Meer fietspaden naar het centrum, graag.",
    "Cheaper sports clubs for teenagers; the fees are too high.",
    "مزيد من الحافلات في المساء، من فضلكم.",
    "دروس اللغة الفرنسية للكبار قريبة من البيت",
    "Більше дитячих майданчиків біля школи.",
    "Akşam saatlerinde daha fazla otobüs lazım.",
    "Więcej ścieżek rowerowych i zieleni.",
    "Mai multe bănci în parc și o fântână.",
    "Mais espaços verdes perto das escolas.",
    "Più corsi serali per adulti, grazie.",
    "Menos coches en el centro los sábados.",
    "Nettoyer les trottoirs avenue Paul Pastur\net place du Manège.",
)
OTHER_TEXTS = ("Couillet", "Mont-sur-Marchienne", "Ransart", "Dampremy", "Lodelinsart", "Roux", "Goutroux")
LANGUAGES = ("fr",) * 6 + ("nl", "en", "ar", "tr", "uk", "pl", "ro", "it", "es")
FORMULA_STARTS = ("=", "-", "+", "@")


def survey_questions(count: int) -> list[JsonDict]:
    """`count` questions: the ten above, then the same again with suffixed ids."""
    size = len(QUESTIONS)
    return [
        {**QUESTIONS[i % size], "id": QUESTIONS[i % size]["id"] + (f"_{i // size + 1}" if i >= size else "")}
        for i in range(count)
    ]


def survey_source(questions: int) -> str:
    """The survey file. JSON is YAML: the loader reads it as any survey file."""
    survey = {
        "id": SURVEY_ID,
        "version": 1,
        "default_language": "fr",
        "languages": ["fr", "en"],
        "title": {"fr": "Banc d'essai : export", "en": "Benchmark: export"},
        "questions": survey_questions(questions),
    }
    return json.dumps(survey, ensure_ascii=False, indent=2) + "\n"


def text_answer(rng: random.Random, long: bool) -> str:
    """A few words to a few hundred (comments up to about a thousand characters)."""
    count = rng.choice((1, 1, 2, 3, 5, 8, 12, 16)) if long else rng.choice((1, 1, 1, 2, 3))
    text = rng.choice((" ", " ", "\n")).join(rng.choices(SENTENCES, k=count))
    if rng.random() < 0.02:  # "- more buses", "=)" : the formula guard has work to do
        text = rng.choice(FORMULA_STARTS) + " " + text
    return text


def answer(rng: random.Random, question: JsonDict) -> tuple[Any, str | None]:
    """A plausible (value, other text) for a question, as the bot stores it."""
    kind = question["type"]
    codes = [c["id"] for c in question.get("choices", ())]
    if kind == "select_one":
        return ("other", rng.choice(OTHER_TEXTS)) if rng.random() < 0.05 else (rng.choice(codes), None)
    if kind == "select_multiple":
        chosen = sorted(rng.sample(codes, rng.randint(1, 3)), key=codes.index)
        return ([*chosen, "other"], rng.choice(OTHER_TEXTS)) if rng.random() < 0.08 else (chosen, None)
    if kind == "yes_no":
        return rng.choice(("yes", "no")), None
    if kind == "scale":
        return rng.randint(question["min"], question["max"]), None
    if kind == "integer":
        return rng.randint(16, 90), None
    if kind == "decimal":
        return round(rng.uniform(0, 25), rng.choice((0, 1, 2))), None
    if kind == "date":
        return (date(2026, 12, 1) + timedelta(days=rng.randint(0, 120))).isoformat(), None
    if kind == "rank":
        return rng.sample(codes, question["top"]), None
    return text_answer(rng, long=question["max_length"] > 1000), None


def fake_rows(
    rng: random.Random,
    round_id: int,
    first_id: int,
    count: int,
    questions: list[JsonDict],
    sources: Sequence[str | None],
) -> tuple[list[JsonDict], list[JsonDict], list[JsonDict]]:
    """`count` respondents, their responses and every answer, as rows for core INSERTs. `sources` is
    drawn from uniformly (links' codes, a plain deep-link source, None)."""
    from bot.db.models import ResponseStatus

    respondents: list[JsonDict] = []
    responses: list[JsonDict] = []
    answers: list[JsonDict] = []
    origin = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    for response_id in range(first_id, first_id + count):
        started = origin + timedelta(seconds=response_id * 25 + rng.randint(0, 20))
        completed = started + timedelta(seconds=rng.randint(180, 1800)) if rng.random() < 0.9 else None
        respondent = f"{rng.getrandbits(128):032x}"
        assisted = rng.random() < 0.03
        respondents.append(
            {"id": respondent, "contact_id": None, "round_id": round_id, "created_at": started}
        )
        responses.append(
            {
                "id": response_id,
                "round_id": round_id,
                "respondent_id": respondent,
                "language": rng.choice(LANGUAGES),
                "status": ResponseStatus.COMPLETED if completed else ResponseStatus.IN_PROGRESS,
                "started_at": started,
                "completed_at": completed,
                "updated_at": completed or started,
                "source": rng.choice(sources),
                "current_question": None if completed else questions[-1]["id"],
                "pending": None,
                "revision": len(questions) + 1,
                "assisted": assisted,
                "assisted_by": None,
                "assisted_consent_version": 1 if assisted else None,
                "receipt_hash": None,
            }
        )
        for n, question in enumerate(questions):
            value, other = answer(rng, question)
            answers.append(
                {
                    "response_id": response_id,
                    "question_id": question["id"],
                    "value": value,
                    "other_text": other,
                    "answered_at": started + timedelta(seconds=15 * (n + 1)),
                }
            )
    return respondents, responses, answers


async def populate(database_url: str, responses: int, questions: int) -> JsonDict:
    """Store the survey and open its round through the services; bulk-insert the responses."""
    from pydantic import SecretStr
    from sqlalchemy import func, insert, select, text

    from bot.config import Settings
    from bot.db.models import Answer, Respondent, Response
    from bot.services.container import Services
    from bot.setup import build_context

    from .harness import is_sqlite, reset_database

    if not is_sqlite(database_url):
        await reset_database(database_url, None)
    settings = Settings(database_url=database_url, pseudonym_key=SecretStr(KEY), timezone=TIMEZONE)
    ctx = await build_context(settings)
    try:
        async with ctx.sessions.begin() as session:
            services = Services(session, ctx)
            await services.surveys.store(survey_source(questions), "bench-export.yaml")
            version = await services.surveys.get(SURVEY_ID)
            assert version is not None
            rnd = await services.rounds.open_round(version, title="Banc d'essai : export", payload=PAYLOAD)
            links = [await services.links.create(rnd.id, label, by="bench") for label in LINK_LABELS]
            round_id = rnd.id
            # 30% and 20% through the two links, 10% a poster's plain payload, 40% none
            sources = [links[0].code] * 3 + [links[1].code] * 2 + ["poster"] + [None] * 4
        plan = survey_questions(questions)
        rng = random.Random(SEED)
        start = time.perf_counter()
        async with ctx.engine.begin() as connection:  # setup, not measured: core executemany
            first = int(await connection.scalar(select(func.coalesce(func.max(Response.id), 0))) or 0) + 1
            for offset in range(0, responses, CHUNK):
                people, rows, answers = fake_rows(
                    rng, round_id, first + offset, min(CHUNK, responses - offset), plan, sources
                )
                await connection.execute(insert(Respondent), people)
                await connection.execute(insert(Response), rows)
                await connection.execute(insert(Answer), answers)
            if not is_sqlite(database_url):
                await connection.execute(
                    text("SELECT setval(pg_get_serial_sequence('responses', 'id'), max(id)) FROM responses")
                )
            await connection.execute(text("ANALYZE"))  # as a live database's statistics would be
        seconds = time.perf_counter() - start
    finally:
        await ctx.engine.dispose()
    return {
        "round_id": round_id,
        "responses": responses,
        "answers": responses * questions,
        "insert_seconds": round(seconds, 1),
    }


def column_plan(survey: Survey) -> list[JsonDict]:
    """What the references need of the survey: per answerable question, its kind and sub-columns."""
    from surveys import QuestionType

    plan: list[JsonDict] = []
    for q in survey.questions:
        if q.is_note:
            continue
        kind = {QuestionType.SELECT_MULTIPLE: "multiple", QuestionType.RANK: "rank"}.get(q.type, "single")
        plan.append(
            {
                "id": q.id,
                "kind": kind,
                "codes": list(q.choice_ids) if kind == "multiple" else [],
                "size": q.rank_size if kind == "rank" else 0,
                "other": q.other,
            }
        )
    return plan


def plan_header(plan: list[JsonDict]) -> list[str]:
    columns = list(META)
    for q in plan:
        if q["kind"] == "multiple":
            columns += [f"{q['id']}/{code}" for code in q["codes"]]
        elif q["kind"] == "rank":
            columns += [f"{q['id']}_{n}" for n in range(1, q["size"] + 1)]
        else:
            columns.append(q["id"])
        if q["other"]:
            columns.append(f"{q['id']}_other")
    return columns


# -------------------------------------------------------------------- the Python reference
# The plain way: the responses joined to their answers, one row per answer, in order.
REFERENCE_QUERY = (
    "SELECT r.id, r.respondent_id, r.language, r.source, r.status, r.started_at, r.completed_at, "
    "r.assisted, a.question_id, a.value, a.other_text "
    "FROM responses AS r LEFT OUTER JOIN answers AS a ON a.response_id = r.id "
    "WHERE r.round_id = {param} ORDER BY r.id, a.id"
)


class ReferenceCsv:
    """Pivots the query's rows (one per answer) into one CSV row per response, as plainly as can be."""

    def __init__(self, out: TextIO, spec: JsonDict, labels: dict[str, str]) -> None:
        self.plan: list[JsonDict] = spec["plan"]
        self.key = spec["key"].encode()
        self.round_id = spec["round_id"]
        self.tz = ZoneInfo(spec["timezone"])
        self.labels = labels
        out.write(BOM)
        self.writer = csv.writer(out)
        self.writer.writerow(plan_header(self.plan))
        self.current: Sequence[Any] | None = None
        self.answers: dict[str, tuple[Any, Any]] = {}
        self.rows = 0

    def add(self, row: Sequence[Any]) -> None:
        if self.current is None or row[0] != self.current[0]:
            self.flush()
            self.current, self.answers = row, {}
        if row[8] is not None:
            self.answers[row[8]] = (row[9], row[10])

    def when(self, moment: Any) -> str | None:
        if moment is None:
            return None
        if isinstance(moment, str):  # SQLite: naive UTC text
            moment = datetime.fromisoformat(moment).replace(tzinfo=UTC)
        return str(moment.astimezone(self.tz).isoformat(timespec="seconds"))

    def flush(self) -> None:
        if self.current is None:
            return
        _id, respondent, language, source, status, started, completed, assisted = self.current[:8]
        digest = hmac.new(self.key, f"{self.round_id}:{respondent}".encode(), hashlib.sha256).hexdigest()
        cells: list[Any] = [
            digest[:16],
            language,
            self.labels.get(source, source),
            int(assisted),
            self.when(started),
            self.when(completed),
            status,
        ]
        for q in self.plan:
            raw, other = self.answers.get(q["id"], (None, None))
            value = json.loads(raw) if isinstance(raw, str) else raw
            if q["kind"] == "multiple":
                chosen = value if isinstance(value, list) else []
                cells += [(int(code in chosen) if value is not None else None) for code in q["codes"]]
            elif q["kind"] == "rank":
                ranked = value if isinstance(value, list) else []
                cells += [ranked[n] if n < len(ranked) else None for n in range(q["size"])]
            else:
                cells.append(value)
            if q["other"]:
                cells.append(other)
        self.writer.writerow(
            ["'" + c if isinstance(c, str) and c.startswith(DANGEROUS) else c for c in cells]
        )
        self.rows += 1


def reference_sqlite(spec: JsonDict, out: TextIO) -> int:
    connection = sqlite3.connect(spec["database"])
    try:
        labels = dict(
            connection.execute("SELECT code, label FROM links WHERE round_id = ?", (spec["round_id"],))
        )
        writer = ReferenceCsv(out, spec, labels)
        cursor = connection.execute(REFERENCE_QUERY.format(param="?"), (spec["round_id"],))
        while rows := cursor.fetchmany(500):
            for row in rows:
                writer.add(row)
        writer.flush()
    finally:
        connection.close()
    return writer.rows


async def reference_postgresql(spec: JsonDict, out: TextIO) -> int:
    import asyncpg  # type: ignore[import-untyped]  # our PostgreSQL driver: cursors, not DB-API

    connection = await asyncpg.connect(spec["database"])
    try:
        rows = await connection.fetch("SELECT code, label FROM links WHERE round_id = $1", spec["round_id"])
        writer = ReferenceCsv(out, spec, {r["code"]: r["label"] for r in rows})
        async with connection.transaction():
            cursor = connection.cursor(REFERENCE_QUERY.format(param="$1"), spec["round_id"], prefetch=500)
            async for row in cursor:
                writer.add(row)
        writer.flush()
    finally:
        await connection.close()
    return writer.rows


def run_reference(spec_path: Path) -> int:
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    with Path(spec["output"]).open("w", encoding="utf-8", newline="") as out:
        if spec["dialect"] == "sqlite":
            rows = reference_sqlite(spec, out)
        else:
            rows = asyncio.run(reference_postgresql(spec, out))
    print(f"{spec['output']}: {rows} responses")
    return 0


# -------------------------------------------------------------------- the database's own dump
def pivot_sql(plan: list[JsonDict], round_id: int, dialect: str) -> str:
    """One row per response, our CSV's columns, computed by the database (raw ids, UTC times)."""
    sqlite = dialect == "sqlite"

    def of(question: str, expression: str) -> str:
        return f"max(CASE WHEN a.question_id = '{question}' THEN {expression} END)"

    scalar = "json_extract(a.value, '$')" if sqlite else "a.value #>> '{}'"
    columns = [
        "r.respondent_id AS respondent",
        "r.language AS language",
        "coalesce((SELECT l.label FROM links AS l WHERE l.code = r.source AND l.round_id = r.round_id), "
        "r.source) AS source",
        "r.assisted AS assisted" if sqlite else "r.assisted::int AS assisted",
        "r.started_at AS started",
        "r.completed_at AS completed",
        "r.status AS status",
    ]
    for q in plan:
        qid = q["id"]
        if q["kind"] == "multiple":
            for code in q["codes"]:
                has = (
                    f"EXISTS (SELECT 1 FROM json_each(a.value) AS j WHERE j.value = '{code}')"
                    if sqlite
                    else f"(a.value ? '{code}')::int"
                )
                columns.append(f'{of(qid, has)} AS "{qid}/{code}"')
        elif q["kind"] == "rank":
            for n in range(q["size"]):
                item = f"json_extract(a.value, '$[{n}]')" if sqlite else f"a.value ->> {n}"
                columns.append(f'{of(qid, item)} AS "{qid}_{n + 1}"')
        else:
            columns.append(f'{of(qid, scalar)} AS "{qid}"')
        if q["other"]:
            columns.append(f'{of(qid, "a.other_text")} AS "{qid}_other"')
    return (
        f"SELECT {', '.join(columns)} "
        "FROM responses AS r LEFT OUTER JOIN answers AS a ON a.response_id = r.id "
        f"WHERE r.round_id = {int(round_id)} GROUP BY r.id ORDER BY r.id"
    )


def run_sqlite_dump(spec_path: Path) -> int:
    """The dump through Python's sqlite3 module, where the sqlite3 shell is not installed."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    connection = sqlite3.connect(spec["database"])
    try:
        cursor = connection.execute(spec["sql"])
        with Path(spec["output"]).open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([column[0] for column in cursor.description])
            while rows := cursor.fetchmany(500):
                writer.writerows(rows)
    finally:
        connection.close()
    return 0


# -------------------------------------------------------------------- measuring a process
def child_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env.update(
        DATABASE_URL=database_url,
        PSEUDONYM_KEY=KEY,
        TIMEZONE=TIMEZONE,
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    return env


def measure(
    label: str,
    command: list[str],
    workdir: Path,
    env: dict[str, str],
    output: Path,
    stdout_to_output: bool = False,
    profile: bool = False,
) -> JsonDict:
    """Run `command` to its end: wall time, CPU time (wait4's rusage) and peak RSS of that one process."""
    from .harness import summarize_profile

    output.unlink(missing_ok=True)
    log_path = workdir / f"{label}.log"
    started = time.perf_counter()
    with log_path.open("wb") as log, output.open("wb") if stdout_to_output else log_path.open("ab") as out:
        proc = subprocess.Popen(  # noqa: S603 - our interpreter, consultbot, or the database's own client
            command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=log
        )
    spy = start_py_spy(proc.pid, workdir / f"{label}.pyspy.txt") if profile else None
    status, usage, peak_kib = wait_with_peak(proc.pid)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    figures: JsonDict = {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mb": round(peak_kib / 1024, 1),
        "exit_code": proc.returncode,
        "bytes": output.stat().st_size if output.exists() else 0,
    }
    if proc.returncode != 0:
        figures["error"] = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
    if spy is not None:
        spy.wait(30)
        figures["profile"] = summarize_profile(workdir / f"{label}.pyspy.txt", 30)
    return figures


def wait_with_peak(pid: int) -> tuple[int, Any, int]:
    """Wait for `pid`, reading its peak RSS (VmHWM, KiB) every `PEAK_POLL_S` until it exits.

    VmHWM is the kernel's high-water mark of the process's own memory since exec, so polling misses only
    growth in the last interval. wait4's ru_maxrss would be simpler but is wrong here: Linux carries the
    parent's RSS into it across fork and exec (every child of a 100 MB driver would "peak" at 100 MB).
    """
    status_file = Path(f"/proc/{pid}/status")
    peak = 0
    while True:
        waited, status, usage = os.wait4(pid, os.WNOHANG)
        if waited:
            return status, usage, peak
        try:
            for line in status_file.read_text(encoding="ascii", errors="replace").splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            pass  # exiting: its memory is already gone
        time.sleep(PEAK_POLL_S)


def start_py_spy(pid: int, path: Path) -> subprocess.Popen[bytes]:
    executable = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if executable is None:
        raise RuntimeError("--profile needs py-spy: pip install -e '.[bench]'")
    return subprocess.Popen(  # noqa: S603 - py-spy from our environment
        [executable, "record", "-p", str(pid), "-r", "100", "-f", "raw", "-o", str(path), "--nonblocking"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def count_rows(path: Path, fmt: str) -> int:
    """Data rows in an export (header excluded): what the references are checked against."""
    if not path.exists():
        return -1
    if fmt == "json":
        with path.open(encoding="utf-8") as f:
            return sum(1 for line in f if line.strip())
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        try:
            return sum(1 for _ in book["data"].iter_rows(values_only=True)) - 1
        finally:
            book.close()
    with path.open(encoding="utf-8-sig", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def first_difference(ours: Path, reference: Path) -> int | None:
    """The first CSV row (0 = header) where the two files differ; None when they are identical."""
    with ours.open(encoding="utf-8", newline="") as a, reference.open(encoding="utf-8", newline="") as b:
        for n, (x, y) in enumerate(zip(csv.reader(a), csv.reader(b), strict=False)):
            if x != y:
                return n
    return None if ours.read_bytes() == reference.read_bytes() else -1


# -------------------------------------------------------------------- the run
def commands(
    database_url: str,
    round_id: int,
    plan: list[JsonDict],
    workdir: Path,
    formats: Sequence[str],
) -> tuple[dict[str, tuple[list[str], Path, bool]], str]:
    """label → (command, output file, output is the command's stdout); and what the dump is."""
    from sqlalchemy.engine import make_url

    from .harness import is_sqlite

    url = make_url(database_url)
    sqlite = is_sqlite(database_url)
    consultbot = [sys.executable, "-m", "bot"]  # = the `consultbot` script
    runs: dict[str, tuple[list[str], Path, bool]] = {}
    for fmt in formats:
        output = workdir / f"export.{'jsonl' if fmt == 'json' else fmt}"
        command = [*consultbot, "export", str(round_id), "--format", fmt, "--output", str(output)]
        runs[fmt] = (command, output, False)
    plain = (
        str(url.database) if sqlite else url.set(drivername="postgresql", password=None).render_as_string()
    )
    dialect = "sqlite" if sqlite else "postgresql"
    spec = {
        "dialect": dialect,
        "database": plain,
        "round_id": round_id,
        "key": KEY,
        "timezone": TIMEZONE,
        "plan": plan,
        "output": str(workdir / "reference.csv"),
    }
    spec_path = workdir / "reference.json"
    spec_path.write_text(json.dumps(spec, indent=2), encoding="utf-8")
    reference = [sys.executable, "-m", "bench.export", "--reference", str(spec_path)]
    runs["reference"] = (reference, workdir / "reference.csv", False)
    sql = pivot_sql(plan, round_id, dialect)
    dump = workdir / "dump.csv"
    shell = shutil.which("sqlite3") if sqlite else shutil.which("psql")
    if sqlite and shell:
        runs["dump"] = ([shell, "-readonly", "-bail", "-csv", "-header", plain, sql], dump, True)
        return runs, "sqlite3 shell, .mode csv"
    if sqlite:
        dump_spec = workdir / "dump.json"
        dump_spec.write_text(
            json.dumps({"database": plain, "sql": sql, "output": str(dump)}), encoding="utf-8"
        )
        runs["dump"] = ([sys.executable, "-m", "bench.export", "--sqlite-dump", str(dump_spec)], dump, False)
        return runs, "Python sqlite3 module, csv.writer over the SQL pivot (no sqlite3 shell here)"
    if shell is None:
        return runs, "none: psql is not installed"
    copy = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)"
    runs["dump"] = ([shell, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", plain, "-c", copy], dump, True)
    return runs, "PostgreSQL COPY … TO STDOUT WITH CSV, through psql"


def summarize(samples: list[JsonDict]) -> JsonDict:
    """Several runs of one command: the median times, the largest RSS, and every run's figures."""
    first = samples[0]
    if len(samples) == 1:
        return first
    return {
        **first,
        "seconds": round(statistics.median(s["seconds"] for s in samples), 3),
        "cpu_seconds": round(statistics.median(s["cpu_seconds"] for s in samples), 3),
        "peak_rss_mb": max(s["peak_rss_mb"] for s in samples),
        "exit_code": max(s["exit_code"] for s in samples),
        "runs": [{k: s[k] for k in ("seconds", "cpu_seconds", "peak_rss_mb")} for s in samples],
    }


def ratio(ours: JsonDict, other: JsonDict | None, key: str) -> float | None:
    return round(ours[key] / other[key], 2) if other and other.get(key) else None


async def run(args: argparse.Namespace) -> JsonDict:
    from sqlalchemy.engine import make_url

    from surveys import parse_survey

    from .harness import fresh_workdir, is_sqlite

    workdir = fresh_workdir(NAME, args.output)
    database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'consultbot.db'}"
    print(f"export: storing {args.responses} responses × {args.questions} questions …", flush=True)
    setup = await populate(database_url, args.responses, args.questions)
    plan = column_plan(parse_survey(survey_source(args.questions)))
    runs, dump_kind = commands(database_url, setup["round_id"], plan, workdir, args.formats)
    env = child_env(database_url)
    password = make_url(database_url).password
    if password:
        env["PGPASSWORD"] = str(password)  # for psql and asyncpg, kept out of their command lines
    samples: dict[str, list[JsonDict]] = {label: [] for label in runs}
    order = [x for x in ("reference", "dump", *FORMATS) if x in runs]  # runs interleaved, in this order
    for n in range(args.runs):
        for label in order:
            command, output, to_stdout = runs[label]
            profile = args.profile and label in args.formats and n == 0
            figures = measure(label, command, workdir, env, output, to_stdout, profile)
            samples[label].append(figures)
            print(
                f"  {label:9} {figures['seconds']:8.2f} s  CPU {figures['cpu_seconds']:8.2f} s"
                f"  peak RSS {figures['peak_rss_mb']:6.1f} MB  exit {figures['exit_code']}",
                flush=True,
            )
    figures = {label: summarize(s) for label, s in samples.items()}
    for label, (_command, output, _stdout) in runs.items():
        figures[label]["rows"] = count_rows(output, label if label in FORMATS else "csv")
    exports = {fmt: figures[fmt] for fmt in args.formats}
    reference, dump, csv_export = figures["reference"], figures.get("dump"), exports.get("csv")
    worst_rss = max(e["peak_rss_mb"] for e in exports.values())
    all_ok = all(f["exit_code"] == 0 for f in figures.values())
    wall = ratio(csv_export, reference, "seconds") if csv_export else None
    result: JsonDict = {
        "parameters": {
            "responses": args.responses,
            "questions": args.questions,
            "answers": setup["answers"],
            "database": "sqlite" if is_sqlite(database_url) else "postgresql",
            "formats": list(args.formats),
            "runs": args.runs,
            "csv_columns": len(plan_header(plan)),
        },
        "setup": setup,
        "exports": exports,
        "reference_python": reference,
        "database_dump": {"tool": dump_kind, **(dump or {})},
        "rows_match": all(f["rows"] == args.responses for f in figures.values()),
        "all_exit_codes_zero": all_ok,
        "peak_rss_mb_worst": worst_rss,
        "target_peak_rss_mb": TARGET_PEAK_RSS_MB,
        "meets_rss_target": all_ok and worst_rss < TARGET_PEAK_RSS_MB,
    }
    if csv_export:
        difference = first_difference(runs["csv"][1], runs["reference"][1])
        result.update(
            csv_identical_to_reference=difference is None,
            csv_first_difference_row=difference,
            csv_ratio_to_reference=wall,
            csv_cpu_ratio_to_reference=ratio(csv_export, reference, "cpu_seconds"),
            csv_ratio_to_database_dump=ratio(csv_export, dump, "seconds"),
            target_csv_ratio=TARGET_CSV_RATIO,
            meets_csv_target=all_ok and wall is not None and wall <= TARGET_CSV_RATIO,
        )
    return result


def report(result: JsonDict) -> str:
    p = result["parameters"]
    lines = [
        f"export: {p['responses']} responses × {p['questions']} questions = {p['answers']} answers, "
        f"{p['database']}, {p['csv_columns']} CSV columns (setup {result['setup']['insert_seconds']} s)"
    ]
    rows = [
        *((f"consultbot {fmt}", figures) for fmt, figures in result["exports"].items()),
        ("python reference", result["reference_python"]),
    ]
    if "seconds" in result["database_dump"]:
        rows.append(("database dump", result["database_dump"]))
    for label, f in rows:
        lines.append(
            f"  {label:17} {f['seconds']:8.2f} s  CPU {f['cpu_seconds']:8.2f} s  "
            f"peak RSS {f['peak_rss_mb']:6.1f} MB  {f['bytes'] / 2**20:7.1f} MB written  {f['rows']} rows"
        )
    lines.append(f"  database dump: {result['database_dump']['tool']}")
    if "csv_ratio_to_reference" in result:
        lines.append(
            f"  CSV vs Python reference: {result['csv_ratio_to_reference']}x wall, "
            f"{result['csv_cpu_ratio_to_reference']}x CPU (target <= {TARGET_CSV_RATIO}x); "
            f"vs database dump: {result['csv_ratio_to_database_dump']}x; "
            f"identical to the reference: {result['csv_identical_to_reference']}"
        )
    lines.append(
        f"  worst peak RSS: {result['peak_rss_mb_worst']} MB (target < {TARGET_PEAK_RSS_MB:.0f} MB); "
        f"rows match: {result['rows_match']}"
    )
    return "\n".join(lines)


def formats_list(value: str) -> list[str]:
    chosen = [x.strip() for x in value.split(",") if x.strip()]
    if not chosen or set(chosen) - set(FORMATS):
        raise argparse.ArgumentTypeError(f"a comma-separated list of {', '.join(FORMATS)}")
    return [fmt for fmt in FORMATS if fmt in chosen]


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=10, help="questions in the survey, one answer each")
    parser.add_argument("--database-url", default=None, help="a scratch PostgreSQL database (emptied)")
    parser.add_argument(
        "--formats", type=formats_list, default=list(FORMATS), help="which exports (default: csv,xlsx,json)"
    )
    parser.add_argument("--runs", type=int, default=1, help="run every export and reference N times")
    parser.add_argument("--profile", action="store_true", help="sample our exports with py-spy")
    parser.add_argument("--output", type=Path, default=None, help="JSON result (bench/results/export.json)")
    # The references' own processes.
    parser.add_argument("--reference", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--sqlite-dump", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.responses < 1 or args.questions < 1 or args.runs < 1:
        parser.error("--responses, --questions and --runs must be at least 1")
    if args.database_url is not None and args.database_url.startswith("sqlite"):
        parser.error("--database-url is for PostgreSQL; SQLite is the default (a fresh file)")
    return args


def main(argv: Sequence[str] | None = None) -> JsonDict:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = parse(arguments)
    if args.reference is not None:
        sys.exit(run_reference(args.reference))
    if args.sqlite_dump is not None:
        sys.exit(run_sqlite_dump(args.sqlite_dump))
    from .harness import conclude

    return conclude(NAME, asyncio.run(run(args)), args.output, report)


if __name__ == "__main__":
    main()
