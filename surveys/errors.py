"""The engine's exceptions: one root, two families.

`SurveyLoadError` is for the people who write survey files; `InvalidAnswer` is for residents.
Neither carries translated text: the bot layer turns codes and params into a message in the
resident's language (the survey's own `constraint_message` excepted, which is already a `Text`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from surveys.texts import Text


class SurveyError(Exception):
    """Root of every error raised by the `surveys` package."""


@dataclass(frozen=True)
class Problem:
    """One mistake in a survey file, located as precisely as the file allows."""

    file: str
    line: int | None
    question_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        about = []
        if self.question_id is not None:
            about.append(f"question '{self.question_id}'")
        if self.field is not None:
            about.append(f"field '{self.field}'")
        prefix = f"{where}: {', '.join(about)}" if about else where
        return f"{prefix}: {self.message}"


class SurveyLoadError(SurveyError):
    """A survey file could not be loaded; `problems` lists every mistake found, in file order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InvalidAnswer(SurveyError):
    """An answer was refused. `code` is machine-readable; see `surveys.engine` for the list."""

    def __init__(
        self,
        code: str,
        params: Mapping[str, object] | None = None,
        message: Text | None = None,
    ) -> None:
        self.code = code
        self.params: dict[str, object] = dict(params or {})
        self.message = message
        super().__init__(f"{code} {self.params}" if self.params else code)
