"""Logs: one line per event, JSON when asked, and never the bot token."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logs import JsonFormatter, ScrubFilter, configure

TOKEN = "123456789:AAFakeFakeFakeFakeFakeFakeFakeFakeFak"


def test_json_lines_without_the_token(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure("INFO", "json")
    try:
        logging.getLogger("consultbot.test").warning("calling https://api.telegram.org/bot%s/getMe", TOKEN)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    line = capsys.readouterr().err.strip()
    entry = json.loads(line)
    assert entry["level"] == "WARNING"
    assert entry["message"] == "calling https://api.telegram.org/bot<token>/getMe"
    assert TOKEN not in line


def test_exceptions_are_scrubbed_too() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, None)
    try:
        raise RuntimeError(f"session for {TOKEN} broke")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert ScrubFilter().filter(record)
    assert TOKEN not in JsonFormatter().format(record)
