"""Catalogs and the i18n middleware.

Catalogs ship as .po files and are compiled in memory when the bot starts (Babel), so there is no build
step and no .mo file to forget. The middleware picks the resident's stored language first, then a safely
normalised Telegram language_code, then DEFAULT_LOCALE (aiogram's own can raise on codes like "en_US").
"""

from __future__ import annotations

import gettext
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n.middleware import I18nMiddleware

from bot.catalogs import DOMAIN, catalog_paths, compile_catalog, locales_dir
from bot.languages import pick_language


class Catalogs(I18n):
    """aiogram's I18n, fed from .po files compiled in memory."""

    @contextmanager
    def context(self) -> Generator[I18n, None, None]:
        # aiogram's mixin keeps one context variable per class; gettext() reads I18n's, so set that one.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for language, po_path in catalog_paths(self.path).items():
            translations[language] = compile_catalog(po_path)
        return translations


def load_catalogs(default_locale: str, path: Path | None = None) -> Catalogs:
    return Catalogs(path=path or locales_dir(), default_locale=default_locale, domain=DOMAIN)


class ConsultI18nMiddleware(I18nMiddleware):
    """Stored choice, then Telegram's language_code (normalised), then the default locale.

    The choice is put in `data["locale"]` as a plain string, so the error router can answer in the same
    language even after the database session was rolled back.
    """

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        stored = data.get("contact_language")
        user: User | None = data.get("event_from_user")
        locale = pick_language(
            [stored, user.language_code if user else None],
            set(self.i18n.available_locales),
            self.i18n.default_locale,
        )
        data["locale"] = locale
        return locale
