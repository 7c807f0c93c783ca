"""`python -m bot.i18n_check`: compile every catalog in memory and report what is missing.

Exits non-zero when a catalog does not compile or Babel finds an error in it (e.g. a broken placeholder).
"""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po

from bot.catalogs import DOMAIN, compile_catalog, locales_dir


def main() -> int:
    failed = False
    for po_path in sorted(locales_dir().glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        language = po_path.parent.parent.name
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language, domain=DOMAIN)
        problems: list[tuple[object, object]] = [
            (message.id, error) for message, errors in catalog.check() for error in errors
        ]
        try:
            compile_catalog(po_path)
        except Exception as exc:
            problems.append(("<catalog>", exc))
        missing = sum(1 for message in catalog if message.id and not message.string)
        print(f"{language}: {len(catalog)} messages, {missing} untranslated, {len(problems)} problems")
        for msgid, error in problems:
            print(f"  {msgid!r}: {error}")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
