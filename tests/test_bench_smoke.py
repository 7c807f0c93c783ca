"""The benchmarks keep working: each runs at a tiny size and writes a sane JSON result.

Speed is never asserted here (a benchmark's figures depend on the machine); what is checked is that
every answer sent was stored exactly once and that every figure is there. The throughput benchmark runs
on PostgreSQL + Redis with two bot processes when TEST_DATABASE_URL and TEST_REDIS_URL are set (as in
CI), else on SQLite with one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import memory, sql_layers, startup, throughput
from bench.residents import ANSWERS_PER_JOURNEY
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL

LOAD_KEYS = {
    "updates",
    "updates_per_second",
    "latency_ms",
    "bot_cpu_seconds",
    "bot_cpu_ms_per_update",
    "http_statuses",
}


def _result(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert {"benchmark", "at", "machine"} <= document.keys()
    assert document["machine"]["cpus"] >= 1
    assert isinstance(document, dict)
    return document


def _check_load(figures: dict[str, Any], updates: int) -> None:
    assert figures.keys() >= LOAD_KEYS
    assert figures["updates"] == updates
    assert figures["http_statuses"] == {"200": updates}
    assert figures["bot_cpu_seconds"] > 0
    latency = figures["latency_ms"]
    assert isinstance(latency, dict)
    assert latency["count"] == updates, "every update got a reply in its chat"
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"]


def test_throughput(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    residents = 3
    output = tmp_path / "throughput.json"
    monkeypatch.setenv("BENCH_PHASES", str(tmp_path))  # the bot processes time their phases too
    argv = ["--residents", str(residents), "--output", str(output)]
    scaled = bool(TEST_DATABASE_URL and TEST_REDIS_URL)
    if scaled:
        argv += ["--database-url", str(TEST_DATABASE_URL), "--redis-url", str(TEST_REDIS_URL)]
        argv += ["--processes", "2"]
    throughput.main(argv)
    result = _result(output)
    updates = residents * 23
    runs = [result["consultbot"], result["scale_out"]] if scaled else [result["consultbot"]]
    for run in runs:
        assert isinstance(run, dict)
        _check_load(run, updates)
        assert run["residents_failed"] == 0, run["errors"]
        assert run["answers_sent"] == residents * ANSWERS_PER_JOURNEY
        assert run["stored"] == {
            "answers": residents * ANSWERS_PER_JOURNEY,
            "duplicate_answers": 0,
            "responses": residents,
            "completed_responses": residents,
        }
        assert run["answers_stored_once"] is True
        assert run["exit_codes"] == [0] * run["processes"]
    floor = result["floor"]
    assert isinstance(floor, dict)
    _check_load(floor, updates)
    assert result["cpu_ratio_to_floor"] > 0
    _check_phases(tmp_path, updates, consultbot_runs=len(runs))
    if scaled:
        assert result["scale_out"]["updates_per_process"] == [updates // 2 + 1, updates // 2]
        assert {"scale_out_cpu_ratio", "scale_out_throughput_gain", "meets_scale_out_target"} <= result.keys()


def _check_phases(directory: Path, updates: int, consultbot_runs: int) -> None:
    """Each bot process wrote where its updates' CPU went (bench/phases.py)."""
    written: dict[str, list[dict[str, Any]]] = {}
    for path in directory.glob("*.phases.json"):
        written.setdefault(path.name.split("-")[0], []).append(json.loads(path.read_text()))
    assert written.keys() == {"consultbot", "echo"}
    assert sum(document["updates"] for document in written["echo"]) == updates
    assert sum(document["updates"] for document in written["consultbot"]) == updates * consultbot_runs
    expected = {
        "echo": {"webhook request", "dispatch (feed_update)", "Bot API: sendMessage"},
        "consultbot": {"unit of work (and all within)", "sql: COMMIT", "Bot API: answerCallbackQuery"},
    }
    for kind, documents in written.items():
        for document in documents:
            phases = document["phases"]
            assert expected[kind] <= phases.keys(), phases.keys()
            assert all(phase["calls"] > 0 and phase["ms_per_update"] >= 0 for phase in phases.values())


def test_memory(tmp_path: Path) -> None:
    output = tmp_path / "memory.json"
    memory.main(["--residents", "30", "--baseline", "10", "--output", str(output)])
    result = _result(output)
    assert result["updates"] == 30 * memory.SCRIPTS["first-answer"][1]
    assert result["residents_failed"] == 0, result["errors"]
    assert result["stored"]["responses"] == 30
    assert result["stored"]["completed_responses"] == 0, "they all stopped mid-survey"
    assert result["stored"]["answers"] == 30, "one answer each"
    assert 0 < result["rss_ready_mb"] <= result["rss_after_baseline_mb"]
    assert result["rss_after_all_mb"] > 0
    samples = result["samples"]
    assert isinstance(samples, list)
    assert samples[0]["residents"] == 10 and samples[-1]["residents"] == 30
    assert result["exit_code"] == 0


def test_startup(tmp_path: Path) -> None:
    output = tmp_path / "startup.json"
    startup.main(["--runs", "1", "--skip-imports", "--output", str(output)])
    result = _result(output)
    (run,) = result["runs"]
    assert run["first_api_call"] == "getMe"
    assert 0 < run["to_first_api_call_s"] <= run["to_first_get_updates_s"]
    assert run["exit_code"] == 0
    assert result["to_first_get_updates_s"]["median"] == run["to_first_get_updates_s"]


def test_sql_layers(tmp_path: Path) -> None:
    output = tmp_path / "sql_layers.json"
    sql_layers.main(["--answers", "4", "--runs", "1", "--output", str(output)])
    result = _result(output)
    assert result["recording_stored"] == {"answers": 4, "update_records": 4}  # completed ones
    per_answer = result["per_answer"]
    assert per_answer.keys() == set(sql_layers.LAYERS)
    for layer, figures in per_answer.items():
        assert figures["stored"] == {"answers": 4, "update_records": 4}, layer
        assert figures["cpu_us"] > 0 and figures["wall_us"] > 0
    # The answer's unit of work (tests/flows/test_sql_per_update.py): the update's claim, the contact,
    # the response with its round and answers, the response's position, the answer; committed before the
    # replies; then the update marked completed.
    assert result["transactions_per_answer"] == 2
    assert [[statement.split()[0] for statement in transaction] for transaction in result["statements"]] == [
        ["INSERT", "SELECT", "SELECT", "UPDATE", "INSERT"],
        ["UPDATE"],
    ]
