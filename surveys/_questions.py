"""Reading questions and choices from YAML nodes (used by the loader only)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from surveys._reader import Reader, line_of, suggestion, type_name
from surveys.expressions import Expression, ExpressionError, parse_expression
from surveys.model import OTHER, Choice, Question, QuestionType

QUESTION_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
CHOICE_ID = re.compile(r"[A-Za-z0-9_-]+\Z")
TEXT_MAX_LENGTH = 4000
TEXT_DEFAULT_LENGTH = 1000
SCALE_MAX_STEPS = 10

_COMMON = frozenset({"id", "type", "label", "hint", "relevant"})
_ANSWERABLE = _COMMON | {"required", "constraint", "constraint_message"}
_CHOICES = frozenset({"choices", "choice_list"})
FIELDS: Mapping[QuestionType, frozenset[str]] = {
    QuestionType.NOTE: _COMMON,
    QuestionType.SELECT_ONE: _ANSWERABLE | _CHOICES | {"other"},
    QuestionType.SELECT_MULTIPLE: _ANSWERABLE | _CHOICES | {"other", "min", "max"},
    QuestionType.YES_NO: _ANSWERABLE,
    QuestionType.SCALE: _ANSWERABLE | {"min", "max", "min_label", "max_label"},
    QuestionType.INTEGER: _ANSWERABLE | {"min", "max"},
    QuestionType.DECIMAL: _ANSWERABLE | {"min", "max"},
    QuestionType.TEXT: _ANSWERABLE | {"max_length", "accept_voice"},
    QuestionType.DATE: _ANSWERABLE | {"min", "max"},
    QuestionType.RANK: _ANSWERABLE | _CHOICES | {"top"},
}
ALL_FIELDS = frozenset().union(*FIELDS.values())


def read_choices(reader: Reader, items: CommentedSeq, field: str) -> tuple[Choice, ...]:
    """A list of `{id, label}`; reports bad, reserved and duplicate ids and empty lists."""
    if not items:
        reader.problem(line_of(items), "empty choice list", field)
    choices: list[Choice] = []
    seen: dict[str, int | None] = {}
    for index, item in enumerate(items):
        line = line_of(items, index)
        if not isinstance(item, CommentedMap):
            reader.problem(
                line, f"each choice must be a mapping with 'id' and 'label', not {type_name(item)}", field
            )
            continue
        reader.check_fields(item, ("id", "label"), (), "in a choice")
        raw_id = item.get("id")
        if isinstance(raw_id, int) and not isinstance(raw_id, bool):
            raw_id = str(raw_id)
        label = reader.read_text(item, "label", required=True)
        if raw_id is None:
            reader.problem(line, "choice without 'id'", field)
            continue
        if not isinstance(raw_id, str) or not CHOICE_ID.match(raw_id):
            reader.problem(line, f"invalid choice id {raw_id!r} (use letters, digits, '_' and '-')", field)
            continue
        if raw_id == OTHER:
            reader.problem(line, "choice id 'other' is reserved: write 'other: true' on the question", field)
            continue
        if raw_id in seen:
            reader.problem(line, f"duplicate choice id '{raw_id}' (first at line {seen[raw_id]})", field)
            continue
        seen[raw_id] = line
        if label is not None:
            choices.append(Choice(raw_id, label))
    return tuple(choices)


def read_expression(reader: Reader, node: CommentedMap, key: str) -> Expression | None:
    if key not in node:
        return None
    source = node[key]
    if isinstance(source, bool) or not isinstance(source, str | int | float):
        reader.problem(line_of(node, key), f"must be an expression (a text), not {type_name(source)}", key)
        return None
    try:
        return parse_expression(str(source))
    except ExpressionError as exc:
        reader.problem(line_of(node, key), f"bad expression {str(source)!r}: {exc}", key)
        return None


def read_question(
    reader: Reader, node: CommentedMap, choice_lists: Mapping[str, tuple[Choice, ...]]
) -> Question | None:
    """One question, or None when it has mistakes (they are recorded in `reader`)."""
    before = len(reader.problems)
    qid = reader.read_str(
        node, "id", QUESTION_ID, "question id (letters, digits and '_', starting with a letter)"
    )
    reader.question = qid
    if "id" not in node:
        reader.problem(line_of(node), "question without 'id'", "id")
    qtype = _read_type(reader, node)
    known_fields = FIELDS[qtype] if qtype is not None else ALL_FIELDS
    what = f"by '{qtype}' questions" if qtype is not None else ""
    reader.check_fields(node, known_fields, ALL_FIELDS, what)
    label = reader.read_text(node, "label", required=True)
    hint = reader.read_text(node, "hint")
    relevant = read_expression(reader, node, "relevant")
    if qtype is None:
        return None
    fields: dict[str, Any] = {}
    if qtype is not QuestionType.NOTE:
        fields["required"] = reader.read_bool(node, "required", True)
        fields["constraint"] = read_expression(reader, node, "constraint")
        fields["constraint_message"] = reader.read_text(node, "constraint_message")
        if "constraint_message" in node and "constraint" not in node:
            reader.problem(
                line_of(node, "constraint_message"),
                "constraint_message without a constraint",
                "constraint_message",
            )
    else:
        fields["required"] = False
    fields.update(_type_fields(reader, node, qtype, choice_lists))
    if qid is None or label is None or len(reader.problems) > before:
        return None
    question = Question(id=qid, type=qtype, label=label, hint=hint, relevant=relevant, line=line_of(node))
    return dataclasses.replace(question, **fields)


def _read_type(reader: Reader, node: CommentedMap) -> QuestionType | None:
    if not reader.require(node, "type"):
        return None
    raw = node["type"]
    if not isinstance(raw, str):
        reader.problem(line_of(node, "type"), f"must be a text, not {type_name(raw)}", "type")
        return None
    try:
        return QuestionType(raw)
    except ValueError:
        pass
    head = raw.split()[0] if raw.split() else raw
    if head in ("select_one", "select_multiple", "rank") and head != raw:
        hint = f" (write 'type: {head}' and 'choice_list: {raw.split()[-1]}')"
    else:
        hint = suggestion(raw, [t.value for t in QuestionType])
    reader.problem(line_of(node, "type"), f"unknown type '{raw}'{hint}", "type")
    return None


def _type_fields(
    reader: Reader, node: CommentedMap, qtype: QuestionType, choice_lists: Mapping[str, tuple[Choice, ...]]
) -> dict[str, Any]:
    if qtype in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE, QuestionType.RANK):
        fields = _choice_fields(reader, node, choice_lists)
        count = len(fields["choices"]) + (1 if fields.get("other") else 0)
        if qtype is QuestionType.SELECT_MULTIPLE:
            fields.update(_bounds(reader, node, lambda k: reader.read_int(node, k, 0, max(count, 1))))
        if qtype is QuestionType.RANK:
            fields["top"] = reader.read_int(node, "top", 1, max(count, 1))
        return fields
    if qtype is QuestionType.SCALE:
        return _scale_fields(reader, node)
    if qtype is QuestionType.INTEGER:
        return _bounds(reader, node, lambda k: reader.read_int(node, k))
    if qtype is QuestionType.DECIMAL:
        return _bounds(reader, node, lambda k: reader.read_number(node, k))
    if qtype is QuestionType.TEXT:
        length = reader.read_int(node, "max_length", 1, TEXT_MAX_LENGTH)
        return {
            "max_length": TEXT_DEFAULT_LENGTH if length is None else length,
            "accept_voice": reader.read_bool(node, "accept_voice", False),
        }
    if qtype is QuestionType.DATE:
        low, high = reader.read_date(node, "min"), reader.read_date(node, "max")
        if low is not None and high is not None and "today" not in (low, high) and low > high:
            reader.problem(line_of(node, "max"), f"max ({high}) is before min ({low})", "max")
        return {"min_date": low, "max_date": high}
    return {}


def _bounds(reader: Reader, node: CommentedMap, read: Callable[[str], int | float | None]) -> dict[str, Any]:
    low, high = read("min"), read("max")
    if low is not None and high is not None and low > high:
        reader.problem(line_of(node, "max"), f"max ({high}) is smaller than min ({low})", "max")
    return {"min": low, "max": high}


def _scale_fields(reader: Reader, node: CommentedMap) -> dict[str, Any]:
    for key in ("min", "max"):
        reader.require(node, key)
    low, high = reader.read_int(node, "min"), reader.read_int(node, "max")
    if low is not None and high is not None:
        if high <= low:
            reader.problem(line_of(node, "max"), f"max ({high}) must be greater than min ({low})", "max")
        elif high - low > SCALE_MAX_STEPS:
            reader.problem(
                line_of(node, "max"),
                f"a scale has at most {SCALE_MAX_STEPS + 1} points "
                f"(max - min ≤ {SCALE_MAX_STEPS}), not {high - low + 1}",
                "max",
            )
    return {
        "min": low,
        "max": high,
        "min_label": reader.read_text(node, "min_label"),
        "max_label": reader.read_text(node, "max_label"),
    }


def _choice_fields(
    reader: Reader, node: CommentedMap, choice_lists: Mapping[str, tuple[Choice, ...]]
) -> dict[str, Any]:
    fields: dict[str, Any] = {"choices": (), "other": reader.read_bool(node, "other", False)}
    if "choices" in node and "choice_list" in node:
        reader.problem(
            line_of(node, "choice_list"), "give either 'choices' or 'choice_list', not both", "choice_list"
        )
    elif "choices" in node:
        items = reader.read_list(node, "choices")
        if items is not None:
            fields["choices"] = read_choices(reader, items, "choices")
    elif "choice_list" in node:
        name = reader.read_str(node, "choice_list")
        if name is not None and name not in choice_lists:
            reader.problem(
                line_of(node, "choice_list"),
                f"unknown choice list '{name}'{suggestion(name, choice_lists)}",
                "choice_list",
            )
        elif name is not None:
            fields["choices"] = choice_lists[name]
            fields["choice_list"] = name
    else:
        reader.problem(line_of(node), "missing 'choices' (or 'choice_list')", "choices")
    return fields
