"""Load a survey file: YAML → validated, frozen `Survey`, or `SurveyLoadError` listing every problem."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from surveys._questions import read_choices, read_question
from surveys._reader import LANGUAGE, Reader, line_of, type_name
from surveys.errors import Problem, SurveyLoadError
from surveys.expressions import Call, Current, Expression, Literal, Ref
from surveys.model import Choice, ChoiceList, Question, QuestionType, Survey

SURVEY_ID = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
LIST_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
TOP_FIELDS = (
    "id", "version", "default_language", "languages", "title", "description", "thanks",
    "questions", "choice_lists", "breakdowns",
)  # fmt: skip
BREAKDOWN_TYPES = frozenset(
    {QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE, QuestionType.YES_NO, QuestionType.SCALE}
)


def load_survey(path: str | Path) -> Survey:
    """Read and parse a survey file (UTF-8); problems name the file as given."""
    path = Path(path)
    return parse_survey(path.read_text(encoding="utf-8"), filename=str(path))


def parse_survey(text: str, filename: str = "<survey>") -> Survey:
    """Parse survey YAML. Raises SurveyLoadError with every problem found, sorted by line."""
    reader = Reader(filename)
    try:
        data = YAML(typ="rt").load(text)
    except YAMLError as exc:
        line = None
        if isinstance(exc, MarkedYAMLError) and exc.problem_mark is not None:
            line = exc.problem_mark.line + 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise SurveyLoadError([Problem(filename, line, None, None, f"YAML syntax error: {problem}")]) from exc
    if not isinstance(data, CommentedMap):
        message = f"a survey file must be a mapping of fields (id, version, ...), not {type_name(data)}"
        raise SurveyLoadError([Problem(filename, line_of(data) or 1, None, None, message)])
    survey = _read_survey(reader, data)
    if reader.problems or survey is None:
        problems = sorted(reader.problems, key=lambda p: (p.line is None, p.line or 0))
        raise SurveyLoadError(problems)
    return survey


def _read_survey(reader: Reader, data: CommentedMap) -> Survey | None:
    reader.check_fields(data, TOP_FIELDS, (), "at the top of a survey")
    for key in ("id", "version", "default_language", "title", "questions"):
        reader.require(data, key)
    survey_id = reader.read_str(data, "id", SURVEY_ID, "survey id (lowercase letters, digits and '-')")
    version = reader.read_int(data, "version", minimum=1)
    _read_languages(reader, data)
    title = reader.read_text(data, "title", required=False)
    description = reader.read_text(data, "description")
    thanks = reader.read_text(data, "thanks")
    choice_lists = _read_choice_lists(reader, data)
    questions = _read_questions(reader, data, {cl.name: cl.choices for cl in choice_lists})
    breakdowns = _read_breakdowns(reader, data, questions)
    if survey_id is None or version is None or title is None or not questions:
        return None
    return Survey(
        id=survey_id,
        version=version,
        default_language=reader.default_language,
        languages=reader.languages,
        title=title,
        description=description,
        thanks=thanks,
        questions=tuple(questions),
        choice_lists=choice_lists,
        breakdowns=breakdowns,
    )


def _read_languages(reader: Reader, data: CommentedMap) -> None:
    default = reader.read_str(data, "default_language", LANGUAGE, "language code (like 'fr' or 'pt-BR')")
    items = reader.read_list(data, "languages")
    languages: list[str] = []
    ok = default is not None
    for index, lang in enumerate(items or ()):
        if not isinstance(lang, str) or not LANGUAGE.match(lang):
            reader.problem(line_of(items, index), f"invalid language code {lang!r}", "languages")
            ok = False
        elif lang in languages:
            reader.problem(line_of(items, index), f"language '{lang}' is listed twice", "languages")
        else:
            languages.append(lang)
    if default is None:
        return
    if items is None:
        languages = [default]
    elif default not in languages:
        reader.problem(
            line_of(data, "default_language"),
            f"default language '{default}' is not in languages ({', '.join(languages)})",
            "default_language",
        )
        ok = False
    reader.default_language = default
    reader.languages = tuple(languages)
    reader.check_languages = ok


def _read_choice_lists(reader: Reader, data: CommentedMap) -> tuple[ChoiceList, ...]:
    if "choice_lists" not in data:
        return ()
    node = data["choice_lists"]
    if not isinstance(node, CommentedMap):
        reader.problem(
            line_of(data, "choice_lists"),
            f"must be a mapping of name → choices, not {type_name(node)}",
            "choice_lists",
        )
        return ()
    result: list[ChoiceList] = []
    for name, items in node.items():
        field = f"choice_lists.{name}"
        if not isinstance(name, str) or not LIST_NAME.match(name):
            reader.problem(line_of(node, name), f"invalid choice list name {name!r}", "choice_lists")
            continue
        if not isinstance(items, CommentedSeq):
            reader.problem(line_of(node, name), f"must be a list of choices, not {type_name(items)}", field)
            result.append(ChoiceList(name, ()))
            continue
        result.append(ChoiceList(name, read_choices(reader, items, field)))
    return tuple(result)


def _read_questions(
    reader: Reader, data: CommentedMap, choice_lists: Mapping[str, tuple[Choice, ...]]
) -> list[Question]:
    items = reader.read_list(data, "questions")
    if items is None:
        return []
    if not items:
        reader.problem(line_of(data, "questions"), "a survey needs at least one question", "questions")
    questions: list[Question] = []
    order: dict[str, int] = {}  # every readable id → index of its first use, for reference checks
    for index, node in enumerate(items):
        if isinstance(node, CommentedMap) and isinstance(node.get("id"), str):
            order.setdefault(node["id"], index)
    for index, node in enumerate(items):
        reader.question = None
        if not isinstance(node, CommentedMap):
            reader.problem(
                line_of(items, index), f"question {index + 1} must be a mapping, not {type_name(node)}"
            )
            continue
        qid = node.get("id")
        if isinstance(qid, str) and order[qid] != index:
            reader.question = qid
            first = line_of(items[order[qid]], "id")
            reader.problem(line_of(node, "id"), f"duplicate question id (first at line {first})", "id")
            continue
        question = read_question(reader, node, choice_lists)
        if question is not None:
            questions.append(question)
            _check_references(reader, node, question, index, order, questions)
    reader.question = None
    return questions


def _check_references(
    reader: Reader,
    node: CommentedMap,
    question: Question,
    index: int,
    order: Mapping[str, int],
    questions: list[Question],
) -> None:
    """References must name an earlier question that has an answer (itself only in a constraint)."""
    by_id = {q.id: q for q in questions}
    for field, expression in (("relevant", question.relevant), ("constraint", question.constraint)):
        if expression is None:
            continue
        line = line_of(node, field)
        for ref in expression.references:
            if ref.name == question.id:
                if field == "relevant":
                    reader.problem(line, "a question's relevant can't refer to itself", field)
            elif ref.name not in order:
                reader.problem(line, f"reference to unknown question '{ref.name}'", field)
            elif order[ref.name] > index:
                reader.problem(
                    line, f"reference to question '{ref.name}', which comes later in the file", field
                )
            elif ref.name in by_id and by_id[ref.name].is_note:
                reader.problem(line, f"reference to '{ref.name}', a note, which has no answer", field)
        if field == "relevant" and expression.uses_current:
            reader.problem(line, "'.' (the answer being checked) can only be used in a constraint", field)
        _check_selected(reader, line, field, expression, question, by_id)


def _check_selected(
    reader: Reader,
    line: int | None,
    field: str,
    expression: Expression,
    question: Question,
    by_id: Mapping[str, Question],
) -> None:
    """`selected(${q}, 'x')` must name one of q's choices: catches typos that would never match."""
    for node in expression.walk():
        if not (isinstance(node, Call) and node.name == "selected"):
            continue
        target, choice = node.args
        if isinstance(target, Current):
            subject: Question | None = question
        elif isinstance(target, Ref):
            subject = question if target.name == question.id else by_id.get(target.name)
        else:
            subject = None
        if subject is None or not isinstance(choice, Literal) or not subject.choice_ids:
            continue
        if str(choice.value) not in subject.choice_ids:
            reader.problem(line, f"question '{subject.id}' has no choice '{choice.value}'", field)


def _read_breakdowns(reader: Reader, data: CommentedMap, questions: list[Question]) -> tuple[str, ...]:
    items = reader.read_list(data, "breakdowns")
    if items is None:
        return ()
    by_id = {q.id: q for q in questions}
    result: list[str] = []
    for index, qid in enumerate(items):
        line = line_of(items, index)
        if not isinstance(qid, str):
            reader.problem(line, f"must be a question id, not {type_name(qid)}", "breakdowns")
        elif qid in result:
            reader.problem(line, f"'{qid}' is listed twice", "breakdowns")
        elif qid not in by_id:
            reader.problem(line, f"unknown question '{qid}'", "breakdowns")
        elif by_id[qid].type not in BREAKDOWN_TYPES:
            reader.problem(
                line,
                f"question '{qid}' is a {by_id[qid].type} question; results can only be broken "
                "down by select_one, select_multiple, yes_no or scale questions",
                "breakdowns",
            )
        else:
            result.append(qid)
    return tuple(result)
