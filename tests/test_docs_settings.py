"""The README's configuration table names every setting, so a city deploying consultbot sees them all."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [name.upper() for name in Settings.model_fields if f"| `{name.upper()}` |" not in text]
    assert missing == []
