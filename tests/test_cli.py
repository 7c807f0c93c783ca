"""The `consultbot` command as an operator meets it: one clear line and a non-zero exit for every
configuration mistake, never a traceback; and the survey and round commands."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from subprocess import PIPE

import pytest

from bot.config import SHIPPED_SURVEYS_DIR
from tests.fake_telegram import FakeTelegram

SHIPPED = SHIPPED_SURVEYS_DIR / "charleroi-learning-city.yaml"
GOOD_TOKEN = "123456789:AAFakeFakeFakeFakeFakeFakeFakeFakeFak"


def consultbot(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "BOT_", "DATABASE_", "REDIS_"))
    }
    clean.update(env)
    return subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=clean, capture_output=True, text=True, timeout=240
    )


async def consultbot_async(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The same, while this test's event loop keeps serving the fake Bot API."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "BOT_", "DATABASE_", "REDIS_"))
    }
    clean.update(env)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=clean, stdout=PIPE, stderr=PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=240)
    assert process.returncode is not None
    return subprocess.CompletedProcess(list(args), process.returncode, stdout.decode(), stderr.decode())


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_run_without_token_says_how_to_get_one(tmp_path: Path) -> None:
    line = one_line_error(consultbot("run", cwd=tmp_path))
    assert "BOT_TOKEN is not set" in line
    assert "@BotFather" in line


def test_run_with_malformed_token(tmp_path: Path) -> None:
    line = one_line_error(consultbot("run", cwd=tmp_path, BOT_TOKEN="not-a-token"))
    assert "BOT_TOKEN is malformed" in line


async def test_run_with_unreachable_database(tmp_path: Path, tg: FakeTelegram) -> None:
    """Telegram answers (the fake), the database does not."""
    url = "postgresql+asyncpg://nobody:secret@127.0.0.1:1/none"
    env = {"BOT_TOKEN": tg.token, "DATABASE_URL": url, "TELEGRAM_API_URL": tg.base_url}
    line = one_line_error(await consultbot_async("run", cwd=tmp_path, **env))
    assert "Cannot reach the database" in line
    assert "secret" not in line
    assert "DATABASE_URL" in line


def test_run_with_unreachable_bot_api(tmp_path: Path) -> None:
    line = one_line_error(
        consultbot("run", cwd=tmp_path, BOT_TOKEN=GOOD_TOKEN, TELEGRAM_API_URL="http://127.0.0.1:1")
    )
    assert "Cannot reach the Telegram Bot API" in line
    assert "TELEGRAM_API_URL" in line


def test_invalid_setting_is_named(tmp_path: Path) -> None:
    line = one_line_error(consultbot("migrate", cwd=tmp_path, TIMEZONE="Mars/Olympus"))
    assert "TIMEZONE" in line


def test_webhook_mode_needs_its_settings(tmp_path: Path) -> None:
    line = one_line_error(consultbot("webhook", cwd=tmp_path, BOT_TOKEN=GOOD_TOKEN))
    assert "WEBHOOK_BASE_URL" in line


def test_migrate_creates_the_database(tmp_path: Path) -> None:
    result = consultbot("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "consultbot.db").exists()
    assert "up to date" in result.stdout


def test_survey_check_valid_and_invalid(tmp_path: Path) -> None:
    ok = consultbot("survey", "check", str(SHIPPED), cwd=tmp_path)
    assert ok.returncode == 0
    assert "valid" in ok.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "id: broken\nversion: 1\ndefault_language: fr\ntitle: T\nquestions:\n"
        '  - {id: a, type: colour, label: A}\n  - {id: a, type: text, label: B, relevant: "${zzz} = 1"}\n',
        encoding="utf-8",
    )
    bad = consultbot("survey", "check", str(broken), cwd=tmp_path)
    assert bad.returncode == 1
    assert "broken.yaml:6" in bad.stderr
    assert "broken.yaml:7" in bad.stderr
    assert "3 problems" in bad.stderr or "problems" in bad.stderr


def test_round_open_list_close(tmp_path: Path) -> None:
    """Rounds are managed from the shell against the same DATABASE_URL the bot uses."""
    opened = consultbot(
        "round", "open", str(SHIPPED), "--payload", "learning", "--closes", "2099-01-01 12:00", cwd=tmp_path
    )
    assert opened.returncode == 0, opened.stderr
    assert "round 1 opened" in opened.stdout
    assert "payload: learning" in opened.stdout
    again = consultbot("round", "open", "charleroi-learning-city", cwd=tmp_path)
    assert "payload: charleroi_learning_city" in again.stdout
    taken = consultbot("round", "open", "charleroi-learning-city", "--payload", "learning", cwd=tmp_path)
    assert "already used" in one_line_error(taken)
    past = consultbot("round", "open", "charleroi-learning-city", "--closes", "2001-01-01", cwd=tmp_path)
    assert "closing date" in one_line_error(past)
    listing = consultbot("round", "list", cwd=tmp_path)
    assert "learning" in listing.stdout
    assert " open " in listing.stdout
    closed = consultbot("round", "close", "1", cwd=tmp_path)
    assert closed.returncode == 0
    assert "closed" in consultbot("round", "list", cwd=tmp_path).stdout.splitlines()[1]


@pytest.mark.parametrize("answers", [["q"]])
def test_survey_preview_runs_the_real_bot_in_the_terminal(tmp_path: Path, answers: list[str]) -> None:
    """The preview shows the description, the privacy notice and its buttons as a resident sees them."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bot", "survey", "preview", str(SHIPPED), "--lang", "en"],
        cwd=tmp_path,
        input="1\n1\nq\n",
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    assert "Do you agree to take part?" in result.stdout
    assert "[1] Yes, I agree" in result.stdout
    assert "Question 1 of 14" in result.stdout
    assert "✓ A language" in result.stdout
