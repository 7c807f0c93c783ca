"""Inline keyboards. Button texts are translated before they go in (lazy strings can't)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.languages import NATIVE_NAMES
from handlers.callbacks import LanguageCb

# Telegram shows what fits on the screen; beyond this a label is cut here too. Questions whose labels
# are long also list them in full in the message (handlers.resident.render).
BUTTON_TEXT_MAX = 120


def button(text: str, data: str) -> InlineKeyboardButton:
    if len(text) > BUTTON_TEXT_MAX:
        text = text[: BUTTON_TEXT_MAX - 1].rstrip() + "…"
    return InlineKeyboardButton(text=text, callback_data=data)


def markup(rows: Iterable[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(row) for row in rows if row])


def columns(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def language_keyboard(languages: Iterable[str]) -> InlineKeyboardMarkup:
    """Each language in its own name, in the order residents of the city are most likely to need."""
    ordered = [code for code in NATIVE_NAMES if code in languages]
    ordered += sorted(code for code in languages if code not in NATIVE_NAMES)
    buttons = [button(NATIVE_NAMES.get(code, code), LanguageCb(code=code).pack()) for code in ordered]
    return markup(columns(buttons, 2))
