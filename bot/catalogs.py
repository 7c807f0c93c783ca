"""The gettext catalogs on disk: where they are, which languages they cover, compiling one in memory.

No aiogram here, so commands that need no Telegram (migrate, survey check, round …) start quickly.
"""

from __future__ import annotations

import gettext
import io
from importlib.resources import files
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "messages"


def locales_dir() -> Path:
    return Path(str(files("locales")))


def catalog_paths(path: Path | None = None) -> dict[str, Path]:
    """language → its .po file, for every catalog shipped."""
    root = path or locales_dir()
    return {po.parent.parent.name: po for po in sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))}


def compile_catalog(po_path: Path) -> gettext.GNUTranslations:
    with po_path.open("rb") as handle:
        catalog = read_po(handle, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
