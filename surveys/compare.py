"""Telling structural changes from text-only amendments between two files of the same survey.

A survey's `version` is authoritative: answers are stored against it. A file may be replaced
under the same version only when nothing an answer depends on has changed, i.e. only texts
(labels, hints, messages, translations, title, description, thanks) and the language list.
"""

from __future__ import annotations

import hashlib
import json

from surveys.model import Question, Survey


def _question_structure(question: Question) -> dict[str, object]:
    return {
        "id": question.id,
        "type": question.type.value,
        "required": question.required,
        "relevant": question.relevant and question.relevant.canonical,
        "constraint": question.constraint and question.constraint.canonical,
        "choices": [choice.id for choice in question.choices],
        "other": question.other,
        "min": question.min,
        "max": question.max,
        "max_length": question.max_length,
        "min_date": question.min_date,
        "max_date": question.max_date,
        "top": question.top,
        "accept_voice": question.accept_voice,
    }


def structure(survey: Survey) -> dict[str, object]:
    """Everything but texts, as plain JSON-able data."""
    return {
        "id": survey.id,
        "questions": [_question_structure(q) for q in survey.questions],
        "breakdowns": list(survey.breakdowns),
    }


def structure_key(survey: Survey) -> str:
    """sha256 (hex) of the survey's structure; equal keys mean the same answers are valid."""
    data = json.dumps(structure(survey), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def checksum(source_text: str) -> str:
    """sha256 (hex) of the file's text, to notice that a file changed at all."""
    return hashlib.sha256(source_text.encode("utf-8")).hexdigest()


def is_text_only_change(old: Survey, new: Survey) -> bool:
    """True when `new` differs from `old` in texts (or languages) only."""
    return structure_key(old) == structure_key(new)
