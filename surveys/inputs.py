"""Turning what a resident typed into a typed answer value (numbers, dates, free text).

People type numbers and dates the way they learnt to: `12,5` or `12.5`, `1 200`, Arabic-Indic
digits (`١٢`), Persian digits (`۱۲`), `5/3/2025`. `parse_text` accepts all of those; range checks
happen afterwards in `validate` (through `apply_answer`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from surveys.errors import InvalidAnswer
from surveys.model import AnswerValue, Question, QuestionType

#: Zero-width and bidi control characters (and NUL) that sneak in through copy-paste and RTL keyboards.
_INVISIBLE = re.compile("[\u0000\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
#: Spaces people put between thousands, including the no-break ones keyboards insert.
_SPACES = re.compile("[ \u00a0\u2009\u202f]")
_MINUS = "-\u2212\u2013"  # hyphen-minus, minus sign, en dash
_NUMBER = re.compile(r"-?(?:(?:\d{1,3}(?: \d{3})+|\d+)(?:[.,]\d+)?|[.,]\d+)\Z")
_DMY = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})\Z")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})\Z")
_MAX_INPUT = 64


def clean_text(text: str) -> str:
    """Remove invisible control characters and surrounding whitespace."""
    return _INVISIBLE.sub("", text).strip()


def _ascii_digits(text: str) -> str:
    """Map every Unicode decimal digit (Arabic-Indic, Persian, ...) to 0-9."""
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in text)


def parse_number(text: str) -> int | float:
    """`-1 234,5` → -1234.5; `42` → 42. Raises InvalidAnswer(`empty` / `not_a_number`)."""
    cleaned = _ascii_digits(clean_text(text)).replace("\u066b", ",").replace("\u066c", " ")
    if not cleaned:
        raise InvalidAnswer("empty")
    if len(cleaned) > _MAX_INPUT:
        raise InvalidAnswer("not_a_number")
    if cleaned[0] in _MINUS:
        cleaned = "-" + cleaned[1:].lstrip()
    cleaned = _SPACES.sub(" ", cleaned)
    if not _NUMBER.match(cleaned):
        raise InvalidAnswer("not_a_number")
    cleaned = cleaned.replace(" ", "").replace(",", ".")
    return float(cleaned) if "." in cleaned else int(cleaned)


def parse_date(text: str) -> str:
    """`5/3/2025`, `05-03-2025`, `05.03.2025` (day first) or `2025-03-05` → `2025-03-05`."""
    cleaned = _ascii_digits(clean_text(text)).replace(" ", "")
    if not cleaned:
        raise InvalidAnswer("empty")
    if match := _DMY.match(cleaned):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    elif match := _YMD.match(cleaned):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    else:
        raise InvalidAnswer("not_a_date")
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        raise InvalidAnswer("not_a_date") from None


def parse_text(question: Question, text: str) -> AnswerValue:
    """Parse a typed message for `question`. Raises InvalidAnswer.

    Choice questions are answered with buttons: they raise `expects_choice`.
    """
    qtype = question.type
    if qtype in (QuestionType.INTEGER, QuestionType.SCALE):
        number = parse_number(text)
        if isinstance(number, float):
            if not number.is_integer():
                raise InvalidAnswer("not_an_integer")
            return int(number)
        return number
    if qtype is QuestionType.DECIMAL:
        return float(parse_number(text))
    if qtype is QuestionType.DATE:
        return parse_date(text)
    if qtype is QuestionType.TEXT:
        cleaned = clean_text(text)
        if not cleaned:
            raise InvalidAnswer("empty")
        return cleaned
    if qtype is QuestionType.NOTE:
        raise InvalidAnswer("not_answerable")
    raise InvalidAnswer("expects_choice")
