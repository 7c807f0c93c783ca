"""Multilingual texts with fallback to the survey's default language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Text:
    """A text in one or more languages; always has the `default_language` version.

    `translations` is a tuple of (language, text) pairs so the value stays hashable.
    """

    default_language: str
    translations: tuple[tuple[str, str], ...]
    # lower-cased language code → text, built once: every screen shown resolves a dozen texts
    _by_lang: dict[str, str] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not any(lang == self.default_language for lang, _ in self.translations):
            raise ValueError(f"text has no version in the default language {self.default_language!r}")
        object.__setattr__(self, "_by_lang", {code.lower(): text for code, text in self.translations})

    @classmethod
    def of(cls, default_language: str, value: str | Mapping[str, str]) -> Text:
        """Build from a plain string (default language) or a language → text mapping."""
        if isinstance(value, str):
            return cls(default_language, ((default_language, value),))
        return cls(default_language, tuple(value.items()))

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this text is written in, in file order."""
        return tuple(lang for lang, _ in self.translations)

    def resolve(self, lang: str) -> tuple[str, bool]:
        """The text in `lang` and whether it fell back to the default language.

        A regional code such as `pt-BR` or `pt_br` also matches a `pt` text.
        """
        by_lang = self._by_lang
        text = by_lang.get(lang)
        if text is not None:
            return text, False
        wanted = lang.replace("_", "-").lower()
        base = wanted.split("-", 1)[0]
        for candidate in (wanted, base):
            if candidate in by_lang:
                return by_lang[candidate], False
        return by_lang[self.default_language.lower()], True

    def get(self, lang: str) -> str:
        """The text in `lang`, or in the default language when there is no translation."""
        return self.resolve(lang)[0]

    def __str__(self) -> str:
        return self.get(self.default_language)
