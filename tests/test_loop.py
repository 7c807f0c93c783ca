"""EVENT_LOOP: the long-running commands run on uvloop where it is installed, on asyncio's loop when asked,
and a uvloop that is asked for but missing is a one-line configuration error, not a traceback."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import uvloop

from bot import loop
from bot.errors import ConfigError
from tests.test_cli import GOOD_TOKEN, consultbot, one_line_error


async def _loop_kind() -> tuple[bool, str]:
    return isinstance(asyncio.get_running_loop(), uvloop.Loop), loop.running()


def test_auto_runs_on_uvloop_where_it_is_installed() -> None:
    assert loop.run(_loop_kind, "auto") == (True, "uvloop")
    assert loop.run(_loop_kind, "uvloop") == (True, "uvloop")


def test_asyncio_keeps_pythons_own_loop() -> None:
    assert loop.run(_loop_kind, "asyncio") == (False, "asyncio")


def test_missing_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    assert loop.run(lambda: _loop_kind(), "auto")[0]
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` raises ImportError
    assert loop.run(_loop_kind, "auto") == (False, "asyncio")
    called = []

    async def main() -> None:
        called.append(True)

    with pytest.raises(ConfigError, match="uvloop is not installed"):
        loop.run(main, "uvloop")
    assert not called


def test_unknown_event_loop_is_named(tmp_path: Path) -> None:
    line = one_line_error(consultbot("run", cwd=tmp_path, BOT_TOKEN=GOOD_TOKEN, EVENT_LOOP="tokio"))
    assert "EVENT_LOOP" in line
