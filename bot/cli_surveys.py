"""`consultbot survey …`: check, preview and load survey files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from surveys import SurveyLoadError, load_survey


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
