"""Texts fall back to the survey's default language."""

from __future__ import annotations

import pytest

from surveys import Text

GREETING = Text("fr", (("fr", "Bonjour"), ("en", "Hello"), ("pt", "Olá")))


def test_get_returns_the_translation() -> None:
    """A language with a translation gets it."""
    assert GREETING.get("en") == "Hello"


def test_missing_language_falls_back_to_default() -> None:
    """A language without a translation gets the default-language text, and says so."""
    assert GREETING.resolve("tr") == ("Bonjour", True)
    assert GREETING.resolve("fr") == ("Bonjour", False)


def test_regional_codes_match_the_base_language() -> None:
    """Telegram sends codes like `pt-br`: they match a `pt` text."""
    assert GREETING.resolve("pt-br") == ("Olá", False)
    assert GREETING.resolve("en_US") == ("Hello", False)


def test_languages_and_hashability() -> None:
    """Texts list their languages and can be used in sets and cache keys."""
    assert GREETING.languages == ("fr", "en", "pt")
    assert len({GREETING, Text.of("fr", {"fr": "Bonjour", "en": "Hello", "pt": "Olá"})}) == 1
    assert Text.of("fr", "Salut").languages == ("fr",)


def test_text_needs_its_default_language() -> None:
    """A Text without the default-language version can't be built: fallback must always work."""
    with pytest.raises(ValueError, match="default language"):
        Text("fr", (("en", "Hello"),))
