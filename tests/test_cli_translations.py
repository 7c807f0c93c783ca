"""`consultbot survey translations FILE`: a per-language report of texts that fall back to the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import SHIPPED_SURVEYS_DIR

SHIPPED = SHIPPED_SURVEYS_DIR / "charleroi-learning-city.yaml"

PARTIAL = """\
id: partial
version: 1
default_language: fr
languages: [fr, en, tr]
title: {fr: Titre, en: Title, tr: Başlık}
questions:
  - id: topics
    type: select_one
    label: {fr: Sujets, en: Topics}
    hint: {fr: Un choix, en: One choice}
    choices:
      - {id: languages, label: {fr: Langues, en: Languages, tr: Diller}}
      - {id: digital, label: {fr: Numérique, en: Digital}}
choice_lists:
  districts:
    - id: outside
      label: {fr: Ailleurs, en: Elsewhere}
"""


def test_the_shipped_survey_is_complete_in_every_language(capsys: pytest.CaptureFixture[str]) -> None:
    """One line per language, in the survey's order, all complete."""
    assert main(["survey", "translations", str(SHIPPED)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"{language}: complete"
        for language in ("fr", "nl", "en", "it", "es", "pt", "tr", "ar", "ro", "pl", "uk")
    ]


def test_missing_texts_are_counted_and_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An incomplete language is a report, not a failure: exit 0, with each location under its count."""
    path = tmp_path / "partial.yaml"
    path.write_text(PARTIAL, encoding="utf-8")
    assert main(["survey", "translations", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "fr: complete",
        "en: complete",
        "tr: 4 texts missing",
        "    question 'topics' label",
        "    question 'topics' hint",
        "    question 'topics' choice 'digital'",
        "    choice list 'districts' choice 'outside'",
    ]
    assert captured.err == ""


def test_one_missing_text_is_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(
        """\
id: one
version: 1
default_language: fr
languages: [fr, en]
title: {fr: Titre, en: Title}
questions:
  - id: ok
    type: yes_no
    label: D'accord ?
""",
        encoding="utf-8",
    )
    assert main(["survey", "translations", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "fr: complete",
        "en: 1 text missing",
        "    question 'ok' label",
    ]


def test_an_invalid_file_prints_its_problems_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Like `check`: every problem with its line on stderr, nothing on stdout."""
    path = tmp_path / "broken.yaml"
    path.write_text(PARTIAL.replace("type: select_one", "type: select_onne"), encoding="utf-8")
    assert main(["survey", "translations", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "broken.yaml:" in captured.err and "select_onne" in captured.err
    assert captured.err.strip().endswith("1 problem")


def test_a_missing_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["survey", "translations", str(tmp_path / "nowhere.yaml")]) == 1
    assert "no such file" in capsys.readouterr().err
