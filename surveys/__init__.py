"""consultbot's survey engine: load YAML surveys, walk a resident through them, validate answers.

Pure Python over plain data (stdlib + ruamel.yaml): no Telegram, no database, no translations.
"""

from surveys.compare import checksum, is_text_only_change, structure_key
from surveys.engine import (
    Answers,
    Ask,
    Review,
    Step,
    apply_answer,
    ask,
    is_relevant,
    needs_other_text,
    next_step,
    previous_question,
    prune,
    skip,
    summary_items,
)
from surveys.errors import InvalidAnswer, Problem, SurveyError, SurveyLoadError
from surveys.expressions import Expression, ExpressionError, evaluate, parse_expression
from surveys.inputs import parse_text
from surveys.loader import load_survey, parse_survey
from surveys.model import OTHER, AnswerValue, Choice, ChoiceList, Question, QuestionType, Survey
from surveys.paths import SHIPPED_DIR, shipped_surveys
from surveys.texts import Text
from surveys.translations import missing_translations
from surveys.validation import validate

__all__ = [
    "OTHER",
    "SHIPPED_DIR",
    "AnswerValue",
    "Answers",
    "Ask",
    "Choice",
    "ChoiceList",
    "Expression",
    "ExpressionError",
    "InvalidAnswer",
    "Problem",
    "Question",
    "QuestionType",
    "Review",
    "Step",
    "Survey",
    "SurveyError",
    "SurveyLoadError",
    "Text",
    "apply_answer",
    "ask",
    "checksum",
    "evaluate",
    "is_relevant",
    "is_text_only_change",
    "load_survey",
    "missing_translations",
    "needs_other_text",
    "next_step",
    "parse_expression",
    "parse_survey",
    "parse_text",
    "previous_question",
    "prune",
    "shipped_surveys",
    "skip",
    "structure_key",
    "summary_items",
    "validate",
]
