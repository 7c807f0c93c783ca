"""`consultbot survey …`: check, preview and load survey files, and report missing translations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from surveys import Survey, SurveyLoadError, load_survey, missing_translations


def add_survey_commands(commands: Any) -> None:
    survey = commands.add_parser("survey", help="check and preview survey files")
    actions = survey.add_subparsers(dest="survey_command", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="list every problem in a survey file (exit 1 if any)")
    check.add_argument("file", type=Path)
    check.set_defaults(func=check_command)
    preview = actions.add_parser("preview", help="answer a survey in the terminal, as a resident would")
    preview.add_argument("file", type=Path)
    preview.add_argument("--lang", default=None, help="language code (default: DEFAULT_LOCALE)")
    preview.set_defaults(func=preview_command)
    translations = actions.add_parser(
        "translations", help="list, per language, the texts that fall back to the default language"
    )
    translations.add_argument("file", type=Path)
    translations.set_defaults(func=translations_command)


def check_command(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return 1
    try:
        survey = load_survey(path)
    except SurveyLoadError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"{path}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return 1
    questions = sum(1 for q in survey.questions if not q.is_note)
    print(
        f"{path}: valid — survey '{survey.id}' version {survey.version}, {questions} questions, "
        f"languages: {', '.join(survey.languages)}"
    )
    return 0


def preview_command(args: argparse.Namespace) -> int:
    from bot.preview import run_preview

    return run_preview(args.file, args.lang)


def _load_or_report(path: Path) -> Survey | None:
    """The survey, or None after printing the file's problems to stderr (as `check` does)."""
    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return None
    try:
        return load_survey(path)
    except SurveyLoadError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"{path}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return None


def translations_command(args: argparse.Namespace) -> int:
    """A report, not a check: exit 0 however many texts are missing; 1 only for an invalid file."""
    survey = _load_or_report(args.file)
    if survey is None:
        return 1
    for language, missing in missing_translations(survey).items():
        if not missing:
            print(f"{language}: complete")
            continue
        print(f"{language}: {len(missing)} text{'s' if len(missing) != 1 else ''} missing")
        for where in missing:
            print(f"    {where}")
    return 0
