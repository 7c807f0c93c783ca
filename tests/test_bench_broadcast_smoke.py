"""The broadcast benchmark keeps working: a tiny job, delivered by the real `consultbot sender` against the
rate-limited fake, reaches every resident exactly once, and every figure is there.

Speed is never asserted (it depends on the machine). It runs on PostgreSQL + Redis with two senders when
TEST_DATABASE_URL and TEST_REDIS_URL are set (as in CI), else on SQLite with one.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench import broadcast
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL

MESSAGES = 60
FIGURES = {
    "delivered",
    "rate_per_second",
    "send_window_seconds",
    "too_many_requests",
    "duplicates",
    "lost",
    "sender_cpu_seconds",
    "sender_peak_rss_mb",
    "outbox",
}


def test_broadcast_reaches_everyone_once(tmp_path: Path) -> None:
    """Each of the 60 residents gets the invitation once, in their language; the outbox says the same
    (all sent, the job done) and the senders stop cleanly."""
    output = tmp_path / "broadcast.json"
    argv = ["--messages", str(MESSAGES), "--output", str(output)]
    senders = 1
    if TEST_DATABASE_URL and TEST_REDIS_URL:
        senders = 2
        argv += ["--database-url", TEST_DATABASE_URL, "--redis-url", TEST_REDIS_URL, "--senders", "2"]
    broadcast.main(argv)
    result = json.loads(output.read_text(encoding="utf-8"))
    assert {"benchmark", "at", "machine", "parameters"} <= result.keys()
    assert result.keys() >= FIGURES
    assert result["timed_out"] is False
    assert result["delivered"] == MESSAGES
    assert result["duplicates"] == 0
    assert result["lost"] == 0
    assert result["wrong_text"] == 0
    assert result["sent_to_strangers"] == 0
    assert result["outbox"]["job_status"] == "done"
    assert result["outbox"]["statuses"] == {"sent": MESSAGES}
    assert result["outbox_sent_but_not_delivered"] == 0
    assert result["delivered_but_not_marked_sent"] == 0
    assert result["exit_codes"] == [0] * senders
    assert all(cpu > 0 for cpu in result["sender_cpu_seconds"])
    assert all(rss > 0 for rss in result["sender_peak_rss_mb"])
