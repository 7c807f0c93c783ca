"""Staff see where a survey's translations are missing: when they open a round, and in /stats."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.surveys.support import HEADER

PARTIAL = (
    HEADER
    + "questions:\n  - {id: q, type: text, label: {fr: Question, en: Question}}\n"
    + "  - {id: r, type: text, label: Seulement en français}\n"
)


def test_round_open_warns_about_incomplete_languages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    survey = tmp_path / "partial.yaml"
    survey.write_text(PARTIAL, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    assert main(["round", "open", str(survey)]) == 0
    out = capsys.readouterr().out
    assert "warning: en is incomplete, 1 texts will show in fr" in out
