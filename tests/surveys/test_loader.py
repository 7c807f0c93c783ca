"""The loader reports every mistake in a survey file, each with its line, question and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys import Problem, QuestionType, SurveyLoadError, Text, load_survey, parse_survey
from tests.surveys.support import HEADER, MINI, line_with, problems_of, questions, survey_from


def only_problem(text: str) -> Problem:
    problems = problems_of(text)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def assert_problem(text: str, marker: str, question: str | None, field: str | None, fragment: str) -> None:
    problem = only_problem(text)
    assert (problem.line, problem.question_id, problem.field) == (line_with(text, marker), question, field)
    assert fragment in problem.message, problem.message


def test_problem_str_names_file_line_question_and_field() -> None:
    """A problem prints like `learning.yaml:12: question 'district', field 'choice_list': message`."""
    problem = Problem("learning.yaml", 12, "district", "choice_list", "unknown choice list 'distrcts'")
    assert str(problem) == (
        "learning.yaml:12: question 'district', field 'choice_list': unknown choice list 'distrcts'"
    )
    assert str(Problem("a.yaml", None, None, None, "oops")) == "a.yaml: oops"
    assert str(Problem("a.yaml", 3, None, "version", "bad")) == "a.yaml:3: field 'version': bad"


def test_valid_survey_loads_with_resolved_texts_and_lines() -> None:
    """A valid file gives a frozen Survey whose texts fall back and whose questions know their line."""
    survey = survey_from(MINI)
    assert survey.id == "test" and survey.version == 1 and survey.languages == ("fr", "en")
    assert survey.question("childcare").line == line_with(MINI, "id: childcare")
    assert survey.index_of("childcare") == 2
    assert survey.question("topics").choices[0].label.resolve("en") == ("Langues", True)
    assert hash(survey) == hash(survey_from(MINI))


def test_yaml_syntax_error_reports_the_yaml_line() -> None:
    """Broken YAML is one problem located at the line the YAML parser points to."""
    text = HEADER + "questions:\n  - id: a\n    label: [oops\n"
    problem = only_problem(text)
    assert problem.message.startswith("YAML syntax error")
    assert problem.line is not None and problem.line >= line_with(text, "[oops")


def test_duplicate_yaml_key_is_a_syntax_error() -> None:
    """A key given twice in one mapping is refused, not silently overwritten."""
    text = HEADER + "version: 2\nquestions: []\n"
    problem = problems_of(text)[0]
    assert "duplicate key" in problem.message and problem.line == line_with(text, "version: 2")


def test_file_that_is_not_a_mapping() -> None:
    """A file holding a list (or nothing) is refused with a plain explanation."""
    assert "must be a mapping" in only_problem("- a\n- b\n").message
    assert "must be a mapping" in only_problem("").message


def test_missing_required_top_level_fields() -> None:
    """Every missing required top-level field is reported, not just the first."""
    problems = problems_of("description: x\n")
    assert {p.field for p in problems} >= {"id", "version", "default_language", "title", "questions"}


def test_unknown_top_level_field_suggests_the_right_name() -> None:
    """A typo in a top-level field name is caught, with a suggestion."""
    text = questions("- {id: a, type: yes_no, label: A}\n") + "titel: Oops\n"
    assert_problem(text, "titel:", None, "titel", "unknown field 'titel' (did you mean 'title'?)")


def test_bad_survey_id() -> None:
    """The survey id is a slug: lowercase letters, digits and '-'."""
    text = questions("- {id: a, type: yes_no, label: A}\n").replace("id: test", "id: My Survey")
    assert_problem(text, "id: My Survey", None, "id", "not a valid survey id")


def test_bad_version() -> None:
    """version must be a whole number of at least 1."""
    text = questions("- {id: a, type: yes_no, label: A}\n").replace("version: 1", "version: 0")
    assert_problem(text, "version: 0", None, "version", "at least 1")
    text = text.replace("version: 0", "version: one")
    assert_problem(text, "version: one", None, "version", "whole number")


def test_default_language_must_be_listed() -> None:
    """default_language must be one of `languages`."""
    text = questions("- {id: a, type: yes_no, label: A}\n").replace(
        "default_language: fr", "default_language: nl"
    )
    problems = problems_of(text)
    assert problems[0].field == "default_language" and "not in languages" in problems[0].message


def test_unknown_language_in_a_text() -> None:
    """A text in a language the survey does not declare is refused (catches 'fe:' for 'fr:')."""
    text = questions("- id: a\n  type: yes_no\n  label:\n    fr: A\n    de: A\n")
    assert_problem(text, "de: A", "a", "label", "unknown language 'de'")


def test_unquoted_comma_in_a_one_line_text() -> None:
    """`{fr: Oui, merci, en: ...}` splits at the comma: the problem says to quote the text."""
    text = questions("- {id: a, type: yes_no, label: {fr: Oui, merci, en: Yes}}\n")
    assert_problem(
        text, "id: a", "a", "label", "'merci' is not a language code (put a text containing a comma"
    )


def test_text_without_default_language() -> None:
    """Every text needs its default-language version, the fallback for all others."""
    text = questions("- id: a\n  type: yes_no\n  label:\n    en: A\n")
    assert_problem(text, "label:", "a", "label", "default language 'fr'")


def test_empty_text() -> None:
    """An empty label is as bad as a missing one."""
    text = questions("- {id: a, type: yes_no, label: ''}\n")
    assert_problem(text, "id: a", "a", "label", "empty")


def test_missing_label() -> None:
    """Every question needs a label."""
    text = questions("- id: a\n  type: yes_no\n")
    assert_problem(text, "id: a", "a", "label", "missing required field 'label'")


def test_unknown_type_suggests_the_closest() -> None:
    """A misspelt type is reported with a suggestion."""
    text = questions("- id: a\n  type: selct_one\n  label: A\n  choices: [{id: x, label: X}]\n")
    assert_problem(
        text, "type: selct_one", "a", "type", "unknown type 'selct_one' (did you mean 'select_one'?)"
    )


def test_xlsform_style_select_type_is_explained() -> None:
    """`type: select_one districts` (XLSForm habit) is explained in terms of this format."""
    text = questions("- id: a\n  type: select_one districts\n  label: A\n")
    assert "choice_list: districts" in only_problem(text).message


def test_duplicate_question_id() -> None:
    """A question id used twice is reported at the second one, naming the first line."""
    text = questions("- {id: a, type: yes_no, label: A}\n- {id: a, type: yes_no, label: B}\n")
    problem = only_problem(text)
    assert (problem.line, problem.question_id, problem.field) == (line_with(text, "label: B"), "a", "id")
    assert f"first at line {line_with(text, 'label: A')}" in problem.message


def test_bad_question_id() -> None:
    """Question ids are identifiers: letters, digits and '_', starting with a letter."""
    text = questions("- {id: 1st-question, type: yes_no, label: A}\n")
    assert_problem(text, "1st-question", None, "id", "not a valid question id")


def test_unknown_question_field_suggests_the_right_name() -> None:
    """A typo in a question field is caught (it would otherwise be silently ignored)."""
    text = questions("- id: a\n  type: yes_no\n  label: A\n  requird: false\n")
    assert_problem(text, "requird", "a", "requird", "did you mean 'required'?")


def test_field_of_another_type() -> None:
    """A field that exists but not for this type is reported as such (accept_voice on a yes_no)."""
    text = questions("- id: a\n  type: yes_no\n  label: A\n  accept_voice: true\n")
    assert_problem(text, "accept_voice", "a", "accept_voice", "not used by 'yes_no' questions")


def test_notes_cannot_be_required() -> None:
    """Notes take no answer: `required` and `constraint` are not theirs."""
    text = questions("- id: a\n  type: note\n  label: A\n  required: true\n")
    assert_problem(text, "required", "a", "required", "not used by 'note' questions")


def test_wrong_value_type() -> None:
    """A field with a value of the wrong kind (text for a boolean) is reported."""
    text = questions("- id: a\n  type: yes_no\n  label: A\n  required: sometimes\n")
    assert_problem(text, "required:", "a", "required", "true or false")


def test_missing_choices() -> None:
    """A choice question needs `choices` or `choice_list`."""
    text = questions("- id: a\n  type: select_one\n  label: A\n")
    assert_problem(text, "id: a", "a", "choices", "missing 'choices'")


def test_both_choices_and_choice_list() -> None:
    """Giving both `choices` and `choice_list` is ambiguous."""
    text = (
        questions(
            "- id: a\n  type: select_one\n  label: A\n  choices: [{id: x, label: X}]\n  choice_list: l\n"
        )
        + "choice_lists:\n  l: [{id: y, label: Y}]\n"
    )
    assert_problem(text, "choice_list: l", "a", "choice_list", "not both")


def test_empty_choice_list() -> None:
    """A question with an empty list of choices can't be answered."""
    text = questions("- id: a\n  type: select_one\n  label: A\n  choices: []\n")
    assert_problem(text, "choices: []", "a", "choices", "empty choice list")


def test_duplicate_choice_id() -> None:
    """A choice id used twice in one list is reported at the second one."""
    text = questions(
        """\
        - id: a
          type: select_one
          label: A
          choices:
            - {id: x, label: X}
            - {id: x, label: Y}
        """
    )
    assert_problem(text, "label: Y", "a", "choices", "duplicate choice id 'x'")


def test_reserved_choice_id_other() -> None:
    """`other` is reserved for `other: true`."""
    text = questions("- id: a\n  type: select_one\n  label: A\n  choices: [{id: other, label: Autre}]\n")
    assert_problem(text, "id: other", "a", "choices", "reserved")


def test_choice_without_label() -> None:
    """Every choice needs a label."""
    text = questions("- id: a\n  type: select_one\n  label: A\n  choices:\n    - id: x\n")
    assert_problem(text, "- id: x", "a", "label", "missing required field 'label'")


def test_unknown_choice_list() -> None:
    """A `choice_list` naming no list is reported with a suggestion."""
    text = (
        questions("- id: district\n  type: select_one\n  label: A\n  choice_list: distrcts\n")
        + "choice_lists:\n  districts: [{id: jumet, label: Jumet}]\n"
    )
    problem = only_problem(text)
    assert str(problem) == (
        f"test.yaml:{line_with(text, 'choice_list: distrcts')}: question 'district', field 'choice_list': "
        "unknown choice list 'distrcts' (did you mean 'districts'?)"
    )


def test_choice_list_problems_name_the_list() -> None:
    """Mistakes inside a shared choice list point at the list entry."""
    text = (
        questions("- {id: a, type: select_one, label: A, choice_list: l}\n")
        + "choice_lists:\n  l:\n    - {id: x, label: X}\n    - {id: 'a b', label: Y}\n"
    )
    assert_problem(text, "'a b'", None, "choice_lists.l", "invalid choice id")


def test_scale_bounds() -> None:
    """A scale needs integer min < max, at most 11 points."""
    text = questions("- {id: a, type: scale, label: A, min: 0, max: 20}\n")
    assert_problem(text, "id: a", "a", "max", "at most 11 points")
    text = questions("- {id: a, type: scale, label: A, min: 5, max: 1}\n")
    assert_problem(text, "id: a", "a", "max", "greater than min")
    text = questions("- {id: a, type: scale, label: A, max: 5}\n")
    assert_problem(text, "id: a", "a", "min", "missing required field 'min'")


def test_numeric_min_above_max() -> None:
    """Integer and decimal bounds must be in order."""
    text = questions("- id: a\n  type: decimal\n  label: A\n  min: 10.5\n  max: 2\n")
    assert_problem(text, "max: 2", "a", "max", "smaller than min")


def test_integer_bound_must_be_whole() -> None:
    """An integer question's bounds are whole numbers."""
    text = questions("- id: a\n  type: integer\n  label: A\n  min: 1.5\n")
    assert_problem(text, "min: 1.5", "a", "min", "whole number")


def test_select_multiple_max_beyond_choices() -> None:
    """select_multiple can't require more selections than there are choices."""
    text = questions(
        "- id: a\n  type: select_multiple\n  label: A\n  max: 5\n  choices: [{id: x, label: X}]\n"
    )
    assert_problem(text, "max: 5", "a", "max", "at most 1")


def test_rank_top_beyond_choices() -> None:
    """A rank's `top` can't exceed the number of choices."""
    text = questions(
        "- id: a\n  type: rank\n  label: A\n  top: 3\n  choices: [{id: x, label: X}, {id: y, label: Y}]\n"
    )
    assert_problem(text, "top: 3", "a", "top", "at most 2")


def test_text_max_length_limit() -> None:
    """max_length is at most 4000 (a Telegram message holds 4096 characters)."""
    text = questions("- id: a\n  type: text\n  label: A\n  max_length: 5000\n")
    assert_problem(text, "max_length", "a", "max_length", "at most 4000")


def test_bad_date_bound() -> None:
    """Date bounds are ISO dates or `today`."""
    text = questions("- id: a\n  type: date\n  label: A\n  min: 01/02/2025\n")
    assert_problem(text, "min: 01/02", "a", "min", "YYYY-MM-DD or 'today'")


def test_date_bounds_in_order() -> None:
    """A date's max can't be before its min."""
    text = questions("- id: a\n  type: date\n  label: A\n  min: 2025-05-01\n  max: '2025-01-01'\n")
    assert_problem(text, "max:", "a", "max", "before min")


def test_expression_syntax_error_gives_the_column() -> None:
    """A malformed expression is reported with the column of the mistake."""
    text = questions(
        "- {id: a, type: yes_no, label: A}\n- id: b\n  type: yes_no\n  label: B\n  relevant: ${a} = = 'yes'\n"
    )
    assert_problem(text, "relevant:", "b", "relevant", "unexpected '=' (at column 8)")


def test_unknown_function() -> None:
    """Only the documented functions exist."""
    text = questions(
        "- {id: a, type: yes_no, label: A}\n- id: b\n  type: yes_no\n  label: B\n  relevant: today() > 1\n"
    )
    assert_problem(text, "relevant:", "b", "relevant", "unknown function 'today'")


def test_reference_to_unknown_question() -> None:
    """A reference to a question that does not exist is reported."""
    text = questions(
        "- {id: a, type: yes_no, label: A}\n- id: b\n  type: yes_no\n  label: B\n  relevant: ${aa} = 'yes'\n"
    )
    assert_problem(text, "relevant:", "b", "relevant", "unknown question 'aa'")


def test_reference_to_a_later_question() -> None:
    """Expressions may only read answers given before: no forward references."""
    text = questions(
        "- id: a\n  type: yes_no\n  label: A\n  relevant: ${b} = 'yes'\n- {id: b, type: yes_no, label: B}\n"
    )
    assert_problem(text, "relevant:", "a", "relevant", "comes later")


def test_relevant_referring_to_itself() -> None:
    """A question can't depend on its own answer to be asked."""
    text = questions("- id: a\n  type: yes_no\n  label: A\n  relevant: ${a} = 'yes'\n")
    assert_problem(text, "relevant:", "a", "relevant", "itself")


def test_constraint_may_refer_to_itself_and_earlier_questions() -> None:
    """In a constraint, ${self} is the answer being checked, like `.`."""
    text = questions(
        "- {id: a, type: integer, label: A}\n"
        "- {id: b, type: integer, label: B, constraint: '${b} >= ${a} and . < 100'}\n"
    )
    assert survey_from(text).question("b").constraint is not None


def test_dot_in_relevant() -> None:
    """`.` (the answer being checked) means nothing in `relevant`."""
    text = questions(
        "- {id: a, type: yes_no, label: A}\n- id: b\n  type: yes_no\n  label: B\n  relevant: . = 'yes'\n"
    )
    assert_problem(text, "relevant:", "b", "relevant", "only be used in a constraint")


def test_reference_to_a_note() -> None:
    """Notes have no answer, so referring to one is a mistake."""
    text = questions(
        "- {id: n, type: note, label: N}\n- id: b\n  type: yes_no\n  label: B\n  relevant: ${n} = ''\n"
    )
    assert_problem(text, "relevant:", "b", "relevant", "a note")


def test_selected_with_unknown_choice() -> None:
    """`selected(${q}, 'x')` with a choice q doesn't have would never be true: reported."""
    text = questions(
        "- {id: a, type: select_multiple, label: A, choices: [{id: x, label: X}]}\n"
        "- id: b\n  type: yes_no\n  label: B\n  relevant: selected(${a}, 'y')\n"
    )
    assert_problem(text, "relevant:", "b", "relevant", "question 'a' has no choice 'y'")


def test_constraint_message_without_constraint() -> None:
    """A constraint_message alone is a sign of a forgotten constraint."""
    text = questions("- {id: a, type: integer, label: A, constraint_message: Non}\n")
    assert_problem(text, "id: a", "a", "constraint_message", "without a constraint")


def test_breakdown_must_be_a_categorical_question() -> None:
    """Breakdowns are by select, yes_no or scale questions that exist."""
    text = questions("- {id: a, type: integer, label: A}\n") + "breakdowns: [a, zz]\n"
    problems = problems_of(text)
    assert [(p.field, p.line) for p in problems] == [("breakdowns", line_with(text, "breakdowns"))] * 2
    assert "integer question" in problems[0].message and "unknown question 'zz'" in problems[1].message


def test_empty_questions() -> None:
    """A survey needs at least one question."""
    text = HEADER + "questions: []\n"
    assert_problem(text, "questions:", None, "questions", "at least one question")


def test_question_that_is_not_a_mapping() -> None:
    """A question written as plain text is reported at its line."""
    text = questions("- just a question?\n")
    assert_problem(text, "just a question", None, None, "question 1 must be a mapping")


def test_all_problems_are_collected_and_sorted_by_line() -> None:
    """One load reports every mistake, in file order, so authors fix them in one go."""
    text = questions(
        "- id: a\n  type: selct\n  label: A\n"
        "- id: b\n  type: yes_no\n  lable: B\n"
        "- id: c\n  type: integer\n  label: C\n  min: x\n"
    )
    problems = problems_of(text)
    assert len(problems) >= 3
    assert [p.line for p in problems] == sorted(p.line or 0 for p in problems)
    assert {p.question_id for p in problems} == {"a", "b", "c"}


def test_type_fields_are_checked_even_without_a_label() -> None:
    """A question missing its label still has its choices checked: no mistake hides another."""
    text = questions("- id: a\n  type: select_one\n  choices: []\n")
    assert {p.field for p in problems_of(text)} == {"label", "choices"}


def test_plain_strings_are_default_language_texts() -> None:
    """A plain string is the default-language text; other languages fall back to it."""
    survey = survey_from(questions("- {id: a, type: yes_no, label: Bonjour}\n"))
    assert survey.question("a").label == Text("fr", (("fr", "Bonjour"),))
    assert survey.question("a").type is QuestionType.YES_NO


def test_languages_default_to_the_default_language() -> None:
    """Without `languages`, a survey is in its default language only."""
    text = questions("- {id: a, type: yes_no, label: A}\n").replace("languages: [fr, en]\n", "")
    text = text.replace("title: {fr: Test, en: Test}", "title: Test")
    assert survey_from(text).languages == ("fr",)


def test_load_survey_reads_a_file_and_names_it(tmp_path: Path) -> None:
    """load_survey reads UTF-8 files; problems carry the path given."""
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\n", encoding="utf-8")
    with pytest.raises(SurveyLoadError) as caught:
        load_survey(path)
    assert caught.value.problems[0].file == str(path)
    assert str(caught.value).startswith(str(path))


def test_default_filename() -> None:
    """Without a filename, problems say `<survey>`."""
    with pytest.raises(SurveyLoadError, match=r"^<survey>"):
        parse_survey("id: x\n")
