"""docs/survey-format.md stays complete and its examples stay valid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import surveys.engine
from surveys._questions import ALL_FIELDS
from surveys.expressions import FUNCTIONS
from surveys.loader import TOP_FIELDS
from surveys.model import QuestionType
from tests.surveys.support import HEADER, survey_from

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "survey-format.md").read_text(encoding="utf-8")
YAML_BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC, re.DOTALL)


def documented_codes() -> set[str]:
    return set(re.findall(r"``(\w+)``", surveys.engine.__doc__ or ""))


def raised_codes() -> set[str]:
    source = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "surveys").glob("*.py"))
    return set(re.findall(r'InvalidAnswer\(\s*"(\w+)"', source))


@pytest.mark.parametrize("name", sorted({*TOP_FIELDS, *ALL_FIELDS}))
def test_every_field_is_documented(name: str) -> None:
    """Each field the loader accepts appears in the reference."""
    assert f"`{name}`" in DOC


@pytest.mark.parametrize("qtype", [t.value for t in QuestionType])
def test_every_type_has_a_section(qtype: str) -> None:
    """Each question type has its own section with an example."""
    assert f"### `{qtype}`" in DOC


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_function_is_documented(function: str) -> None:
    """Each expression function is listed."""
    assert f"`{function}(" in DOC


def test_every_error_code_is_documented() -> None:
    """Every InvalidAnswer code raised in the engine is listed in the engine docstring and in the doc."""
    assert raised_codes() <= documented_codes()
    for code in documented_codes():
        assert f"`{code}`" in DOC, code


def test_minimal_example_loads() -> None:
    """The minimal survey at the top of the reference is valid."""
    survey = survey_from(YAML_BLOCKS[0])
    assert survey.id == "library-hours"


@pytest.mark.parametrize("block", [b for b in YAML_BLOCKS if b.startswith("- id:")])
def test_question_examples_load(block: str) -> None:
    """Every single-question example in the reference is valid."""
    indented = "".join(f"  {line}\n" for line in block.splitlines())
    survey = survey_from(HEADER + "questions:\n" + indented)
    assert len(survey.questions) == 1


def test_shipped_districts_example_loads() -> None:
    """The choice-list example is valid."""
    block = next(b for b in YAML_BLOCKS if b.startswith("choice_lists:"))
    survey = survey_from(HEADER + block)
    assert survey.question("district").choice_list == "districts"
