"""The survey model: frozen, hashable dataclasses built once per file by `surveys.loader`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from surveys.expressions import Expression
from surveys.texts import Text

#: A stored answer: choice id, "yes"/"no", list of choice ids, int, float, text, ISO date, or a voice
#: message given to a text question that accepts one: {"voice": Telegram file id, "duration": seconds}.
AnswerValue = str | int | float | list[str] | dict[str, str | int]

#: The key that makes a text answer a voice message.
VOICE = "voice"

#: The reserved choice id added by `other: true`.
OTHER = "other"
#: The answer values of a `yes_no` question (the bot renders their labels).
YES_NO = ("yes", "no")


class QuestionType(StrEnum):
    NOTE = "note"
    SELECT_ONE = "select_one"
    SELECT_MULTIPLE = "select_multiple"
    YES_NO = "yes_no"
    SCALE = "scale"
    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"
    DATE = "date"
    RANK = "rank"


#: Types whose answers are choice ids listed in the survey.
CHOICE_TYPES = frozenset({QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE, QuestionType.RANK})
#: Types a resident answers by typing (see `surveys.inputs.parse_text`).
TYPED_TYPES = frozenset(
    {QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.TEXT, QuestionType.DATE, QuestionType.SCALE}
)


@dataclass(frozen=True, slots=True)
class Choice:
    id: str
    label: Text


@dataclass(frozen=True, slots=True)
class ChoiceList:
    name: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True, slots=True)
class Question:
    """One question. Type-specific fields are None (or empty) on types that don't use them.

    `min`/`max` bound the answer of `integer`, `decimal` and `scale`, and the number of
    selections of `select_multiple`. Dates use `min_date`/`max_date` (ISO date or "today").
    """

    id: str
    type: QuestionType
    label: Text
    hint: Text | None = None
    required: bool = True
    relevant: Expression | None = None
    constraint: Expression | None = None
    constraint_message: Text | None = None
    choices: tuple[Choice, ...] = ()
    choice_list: str | None = None
    other: bool = False
    min: int | float | None = None
    max: int | float | None = None
    min_label: Text | None = None
    max_label: Text | None = None
    max_length: int | None = None
    min_date: str | None = None
    max_date: str | None = None
    top: int | None = None
    accept_voice: bool = False
    line: int | None = field(default=None, compare=False)

    @property
    def is_note(self) -> bool:
        return self.type is QuestionType.NOTE

    @property
    def choice_ids(self) -> tuple[str, ...]:
        """Every value a choice answer may hold, including `other` and yes/no."""
        if self.type is QuestionType.YES_NO:
            return YES_NO
        ids = tuple(choice.id for choice in self.choices)
        return (*ids, OTHER) if self.other else ids

    @property
    def rank_size(self) -> int:
        """How many choices a `rank` answer orders: `top`, or all choices."""
        return self.top if self.top is not None else len(self.choices)


@dataclass(frozen=True, slots=True)
class Survey:
    id: str
    version: int
    default_language: str
    languages: tuple[str, ...]
    title: Text
    questions: tuple[Question, ...]
    description: Text | None = None
    thanks: Text | None = None
    choice_lists: tuple[ChoiceList, ...] = ()
    breakdowns: tuple[str, ...] = ()
    _index: dict[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {q.id: i for i, q in enumerate(self.questions)})

    def question(self, question_id: str) -> Question:
        """The question with this id; KeyError when there is none."""
        return self.questions[self._index[question_id]]

    def has_question(self, question_id: str) -> bool:
        return question_id in self._index

    def index_of(self, question_id: str) -> int:
        """The 0-based position in the file: a short, stable id for callback data."""
        return self._index[question_id]

    def choices_for(self, question: Question) -> tuple[Choice, ...]:
        """The survey-defined choices (choice lists resolved).

        `other` and the yes/no choices are not included: their labels come from the bot's catalog.
        """
        return question.choices

    def choice_list(self, name: str) -> tuple[Choice, ...]:
        """A named choice list (KeyError when unknown), e.g. the shipped `districts`."""
        for choice_list in self.choice_lists:
            if choice_list.name == name:
                return choice_list.choices
        raise KeyError(name)
