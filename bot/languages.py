"""The languages consultbot can speak, each named in its own words, and safe normalisation of the
language codes Telegram sends (empty, region-tagged, upper-case, or unknown)."""

from __future__ import annotations

import re

NATIVE_NAMES: dict[str, str] = {
    "fr": "Français",
    "nl": "Nederlands",
    "en": "English",
    "it": "Italiano",
    "es": "Español",
    "pt": "Português",
    "tr": "Türkçe",
    "ar": "العربية",
    "ro": "Română",
    "pl": "Polski",
    "uk": "Українська",
}

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})

_CODE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


def base_language(code: str | None) -> str | None:
    """'pt-BR' → 'pt', 'en_US' → 'en', 'FR' → 'fr'; None for empty or malformed codes."""
    if not code or not _CODE.match(code.strip()):
        return None
    return re.split(r"[-_]", code.strip(), maxsplit=1)[0].lower()


def pick_language(candidates: list[str | None], available: frozenset[str] | set[str], default: str) -> str:
    """The first candidate we have a catalog for, else the default."""
    for candidate in candidates:
        code = base_language(candidate)
        if code is not None and code in available:
            return code
    return default
