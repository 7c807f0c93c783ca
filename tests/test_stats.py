"""The pure side of round figures: counting answers, ordering categories, medians, the text summary."""

from __future__ import annotations

from pathlib import Path

from bot.services.labels import chart_codes, codes_of
from bot.services.stats import AnswerCounts, median, tally
from surveys import parse_survey

SURVEY = parse_survey((Path(__file__).parent / "golden" / "survey.yaml").read_text(encoding="utf-8"))


def test_answers_are_counted_per_category_in_survey_order() -> None:
    """Selections count once each; a rank counts its first place; a scale its value; unknown questions
    and texts are ignored."""
    counts = AnswerCounts(SURVEY)
    for question, value in [
        ("topics", ["culture", "other"]),
        ("topics", ["culture"]),
        ("priorities", ["free", "near"]),
        ("score", 4),
        ("idea", "=1+1"),
        ("nope", "x"),
        ("likes", None),
    ]:
        counts.add(question, value)
    tables = counts.tables(k=1)
    assert list(tables) == ["district", "topics", "likes", "score", "priorities"]
    assert dict(
        zip(tables["topics"].codes, [c.count for c in tables["topics"].table.cells], strict=True)
    ) == {"culture": 2, "sport": 0, "other": 1}
    assert [c.count for c in tables["priorities"].table.cells] == [0, 1, 0]
    assert tables["score"].codes == ("1", "2", "3", "4", "5")


def test_tally_puts_known_categories_first_then_others_by_count() -> None:
    table = tally("source", {"radio": 2, "poster": 9, "direct": 9}, k=1, order=["direct"])
    assert table.codes == ("direct", "poster", "radio")


def test_median_of_nothing_is_none() -> None:
    assert median([]) is None
    assert median([60, 600, 120]) == 120


def test_codes_of_each_question_type() -> None:
    assert codes_of(SURVEY.question("priorities"), []) == []
    assert codes_of(SURVEY.question("likes"), "yes") == ["yes"]
    assert chart_codes(SURVEY.question("idea")) == []
    assert chart_codes(SURVEY.question("likes")) == ["yes", "no"]
