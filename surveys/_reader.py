"""Typed, problem-collecting access to ruamel.yaml round-trip nodes (used by the loader only).

Every `read_*` method returns None (or a default) when the value is wrong and records a
`Problem` instead of raising, so a single load reports every mistake in the file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Collection, Iterable
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from surveys.errors import Problem
from surveys.texts import Text

LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")


def line_of(node: object, key: object = None) -> int | None:
    """The 1-based line of `node`, or of its `key` (mapping key / sequence index)."""
    try:
        if key is not None and isinstance(node, CommentedMap) and key in node:
            return int(node.lc.key(key)[0]) + 1
        if key is not None and isinstance(node, CommentedSeq) and isinstance(key, int):
            return int(node.lc.item(key)[0]) + 1
        if isinstance(node, CommentedMap | CommentedSeq):
            return int(node.lc.line) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return None
    return None


def suggestion(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def type_name(value: object) -> str:
    if isinstance(value, CommentedMap | dict):
        return "a mapping"
    if isinstance(value, CommentedSeq | list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a text"
    if value is None:
        return "empty"
    return type(value).__name__


class Reader:
    """Collects problems for one file; `question` and languages are set as loading goes on."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.question: str | None = None
        self.default_language = "und"
        self.languages: tuple[str, ...] = ()
        self.check_languages = False

    def problem(self, line: int | None, message: str, field: str | None = None) -> None:
        self.problems.append(Problem(self.file, line, self.question, field, message))

    def check_fields(
        self, node: CommentedMap, allowed: Collection[str], known: Collection[str], what: str
    ) -> None:
        """Report keys that are not allowed here: typos (unknown anywhere) or misplaced fields."""
        for key in node:
            if not isinstance(key, str):
                self.problem(line_of(node, key), f"field names must be texts, not {type_name(key)}")
            elif key not in allowed:
                if key in known:
                    self.problem(line_of(node, key), f"field '{key}' is not used {what}", key)
                else:
                    self.problem(line_of(node, key), f"unknown field '{key}'{suggestion(key, allowed)}", key)

    def require(self, node: CommentedMap, key: str) -> bool:
        if key not in node:
            self.problem(line_of(node), f"missing required field '{key}'", key)
            return False
        return True

    def read_str(
        self, node: CommentedMap, key: str, pattern: re.Pattern[str] | None = None, what: str = ""
    ) -> str | None:
        value = node.get(key)
        if value is None and key not in node:
            return None
        if not isinstance(value, str):
            self.problem(line_of(node, key), f"must be a text, not {type_name(value)}", key)
            return None
        if pattern is not None and not pattern.match(value):
            self.problem(line_of(node, key), f"'{value}' is not a valid {what}", key)
            return None
        return value

    def read_bool(self, node: CommentedMap, key: str, default: bool) -> bool:
        if key not in node:
            return default
        value = node[key]
        if not isinstance(value, bool):
            self.problem(line_of(node, key), f"must be true or false, not {type_name(value)}", key)
            return default
        return value

    def read_int(
        self, node: CommentedMap, key: str, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        if key not in node:
            return None
        value = node[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(line_of(node, key), f"must be a whole number, not {type_name(value)}", key)
            return None
        if minimum is not None and value < minimum:
            self.problem(line_of(node, key), f"must be at least {minimum}, not {value}", key)
            return None
        if maximum is not None and value > maximum:
            self.problem(line_of(node, key), f"must be at most {maximum}, not {value}", key)
            return None
        return int(value)

    def read_number(self, node: CommentedMap, key: str) -> int | float | None:
        if key not in node:
            return None
        value = node[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            self.problem(line_of(node, key), f"must be a number, not {type_name(value)}", key)
            return None
        return int(value) if isinstance(value, int) else float(value)

    def read_date(self, node: CommentedMap, key: str) -> str | None:
        """An ISO date (quoted or not) or the word `today`, returned as text."""
        if key not in node:
            return None
        value: Any = node[key]
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        if value == "today":
            return "today"
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        self.problem(line_of(node, key), f"must be a date written YYYY-MM-DD or 'today', not {value!r}", key)
        return None

    def read_list(self, node: CommentedMap, key: str) -> CommentedSeq | None:
        if key not in node:
            return None
        value = node[key]
        if not isinstance(value, CommentedSeq):
            self.problem(line_of(node, key), f"must be a list, not {type_name(value)}", key)
            return None
        return value

    def read_text(self, node: CommentedMap, key: str, required: bool = False) -> Text | None:
        """A plain string (default language) or a map language → string."""
        if key not in node:
            if required:
                self.problem(line_of(node), f"missing required field '{key}'", key)
            return None
        value = node[key]
        line = line_of(node, key)
        if isinstance(value, str):
            if not value.strip():
                self.problem(line, "text is empty", key)
                return None
            return Text.of(self.default_language, value.strip())
        if not isinstance(value, CommentedMap):
            self.problem(line, f"must be a text or a map of language → text, not {type_name(value)}", key)
            return None
        pairs: list[tuple[str, str]] = []
        ok = True
        for lang, text in value.items():
            text_line = line_of(value, lang)
            if not isinstance(lang, str) or not LANGUAGE.match(lang):
                hint = "put a text containing a comma or ': ' in quotes"
                self.problem(text_line, f"'{lang}' is not a language code ({hint})", key)
                ok = False
            elif self.check_languages and lang not in self.languages:
                known = ", ".join(self.languages)
                self.problem(
                    text_line, f"unknown language '{lang}' (the survey's languages are: {known})", key
                )
                ok = False
            elif not isinstance(text, str) or not text.strip():
                self.problem(text_line, f"the '{lang}' text must be a non-empty text", key)
                ok = False
            else:
                pairs.append((lang, text.strip()))
        if not ok:
            return None
        if not any(lang == self.default_language for lang, _ in pairs):
            if self.check_languages:
                self.problem(line, f"missing the text in the default language '{self.default_language}'", key)
                return None
            if not pairs:
                self.problem(line, "text is empty", key)
                return None
            return Text(pairs[0][0], tuple(pairs))
        return Text(self.default_language, tuple(pairs))
