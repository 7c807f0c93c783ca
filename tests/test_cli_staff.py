"""The staff's operations from the shell: roles, invitations, figures, exports and the audit log."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import SHIPPED_SURVEYS_DIR

Shell = Callable[..., subprocess.CompletedProcess[str]]

SHIPPED = SHIPPED_SURVEYS_DIR / "charleroi-learning-city.yaml"


@pytest.fixture
def shell(tmp_path: Path) -> Shell:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "BOT_", "DATABASE_", "REDIS_"))}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/cli.db", PSEUDONYM_KEY="cli-key", ADMIN_IDS="7700000080"
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own command, fixed arguments
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run


def test_roles_invitations_and_the_audit_log(shell: Shell) -> None:
    """grant, roles, invite, revoke from the shell; each is audited with the actor `cli`."""
    run = shell
    granted = run("grant", "7700000081", "staff")
    assert granted.returncode == 0, granted.stderr
    actor = granted.stdout.split()[1]
    assert run("grant", "7700000080", "staff").stderr.strip().endswith("restart the bot.")
    listing = run("roles").stdout
    assert f"{actor:<14} staff" in listing and "7700000081" not in listing
    invite = run("invite", "worker", "Maison de quartier", "--bot", "consultbot_test_bot").stdout
    assert "link: https://t.me/consultbot_test_bot?start=i-" in invite
    assert run("invite", "worker").returncode == 2
    assert run("revoke", "7700000081").stdout.strip() == f"person {actor} no longer has a role"
    log = run("audit").stdout.splitlines()
    assert [line.split()[3] for line in log] == ["revoke", "invite", "grant"]
    assert all(line.split()[2] == "cli" for line in log) and "7700000081" not in "".join(log)


def test_stats_and_export_of_a_round(shell: Shell, tmp_path: Path) -> None:
    """`consultbot stats` prints the figures; `consultbot export` writes the file, headers only when empty."""
    run = shell
    assert run("round", "open", str(SHIPPED), "--payload", "learning").returncode == 0
    stats = run("stats", "1", "--lang", "en")
    assert stats.returncode == 0, stats.stderr
    assert "Started: 0 · completed: 0 (–)" in stats.stdout
    output = tmp_path / "out" / "round1.csv"
    exported = run("export", "1", "--format", "csv", "--output", str(output))
    assert exported.stdout.strip() == f"{output}: 0 responses (0 completed)"
    assert output.read_bytes().startswith(b"\xef\xbb\xbfrespondent,language")
    assert (
        run("stats", "42").stderr.strip()
        == "consultbot: There is no round with this number. Send /rounds to see them."
    )
