"""The gettext catalogs in locales/: complete, compilable, with the right placeholders and plural forms.

Pure and fast: no bot, no database. Every catalog found in locales/ is checked, so a language added later
is held to the same rules. After `make i18n` brings in new messages, these tests fail until every
catalog translates them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot import i18n_check
from bot.catalogs import DOMAIN, catalog_paths, compile_catalog, locales_dir

CATALOGS = catalog_paths()
LANGUAGES = sorted(CATALOGS)
REQUIRED = {"fr", "nl", "en", "it", "es", "pt", "tr", "ar", "ro", "pl", "uk"}

#: language → the number of plural forms its Plural-Forms header must declare.
NPLURALS = {"ar": 6, "pl": 3, "uk": 3, "ro": 3, "fr": 2, "en": 2, "nl": 2, "it": 2, "es": 2, "pt": 2}
#: Turkish does not inflect a noun after a number: one form (Babel's rule) or two are both right.
NPLURALS_ALLOWED = {"tr": {1, 2}}
#: (language, n) → the plural form gettext must pick: the rules as CLDR states them.
PLURAL_CASES = {
    "ar": {0: 0, 1: 1, 2: 2, 3: 3, 10: 3, 11: 4, 99: 4, 100: 5, 102: 5, 103: 3, 111: 4},
    "pl": {1: 0, 2: 1, 4: 1, 5: 2, 12: 2, 14: 2, 21: 2, 22: 1, 25: 2, 0: 2},
    "uk": {1: 0, 2: 1, 4: 1, 5: 2, 11: 2, 12: 2, 21: 0, 22: 1, 25: 2, 0: 2},
    "ro": {1: 0, 0: 1, 2: 1, 19: 1, 20: 2, 101: 1, 119: 1, 120: 2},
    "fr": {0: 0, 1: 0, 2: 1},
    "en": {0: 1, 1: 0, 2: 1},
}

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
FSI, PDI = "\u2068", "\u2069"
TELEGRAM_LIMIT = 4096

#: Realistic but long values for the placeholders the bot fills in (the longest each can really be).
LONG_VALUES: dict[str, str] = {
    "name": "N" * 64,  # a Telegram first name or an organisation
    "who": "N" * 64,
    "actor": "a1b2c3d4e5f6",
    "city": "Marchienne-au-Pont-et-Mont-sur-Marchienne-lez-Charleroi",
    "title": "T" * 200,
    "survey": "s" * 64,
    "id": "999999",
    "version": "999999",
    "status": "programmée",
    "language": "Українська",
    "languages": "fr, nl, en, it, es, pt, tr, ar, ro, pl, uk",
    "questions": "999999 questions",
    "role": "travailleur de terrain",
    "link": "https://t.me/" + "b" * 32 + "?start=" + "c" * 64,
    "code": "c" * 64,
    "file": "f" * 250 + ".yaml",
    "example": "2026-12-31",
    "date": "2026-12-31",
    "when": "2026-12-31 23:59",
    "duration": "999999 h 59 min",
    "rate": "100%",
    "answer": "oui",
}
NUMBER = "999999"  # n, k, done, started, completed, position, total, min, max, h, m, s, days, kb …
UNKNOWN = "X" * 200  # a placeholder added later: assume it is long


@cache
def catalog(language: str) -> Catalog:
    with CATALOGS[language].open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


@cache
def template() -> list[Message]:
    with (locales_dir() / f"{DOMAIN}.pot").open("rb") as handle:
        return [message for message in read_po(handle, domain=DOMAIN) if message.id]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def ids(message: Message) -> list[str]:
    """[msgid] or [msgid, msgid_plural]."""
    return list(message.id) if isinstance(message.id, (tuple, list)) else [message.id]


def forms(message: Message) -> list[str]:
    """The msgstr of a message, as a list of its plural forms (one item for a singular message)."""
    string = message.string
    if isinstance(string, (tuple, list)):
        return list(string)
    return [string or ""]


def translated(language: str) -> Iterator[tuple[Message, Message]]:
    """(template message, its entry in the catalog) for every message of the template."""
    entries = catalog(language)
    for source in template():
        entry = entries.get(source.id)
        assert entry is not None, f"{language}: {source.id!r} is missing (run `make i18n`)"
        yield source, entry


def nplurals(language: str) -> int:
    header = catalog(language).plural_forms
    match = re.search(r"nplurals\s*=\s*(\d+)", header)
    assert match, f"{language}: no nplurals in Plural-Forms {header!r}"
    return int(match[1])


def single_number_forms(language: str) -> set[int]:
    """Plural forms the language's rule uses for one number only (e.g. 'one' in English, 'two' in
    Arabic): like GNU msgfmt, such a form may leave out {n} ("سؤالان", "The latest staff action")."""
    plural = compile_catalog(CATALOGS[language]).plural  # type: ignore[attr-defined]
    hits: dict[int, int] = {}
    for n in range(1000):
        form = plural(n)
        hits[form] = hits.get(form, 0) + 1
    return {form for form, count in hits.items() if count == 1}


def test_every_language_has_a_catalog() -> None:
    assert set(LANGUAGES) >= REQUIRED, f"missing catalogs: {sorted(REQUIRED - set(LANGUAGES))}"


def test_the_template_is_not_empty() -> None:
    assert len(template()) > 100


def test_the_template_holds_every_message_of_the_code() -> None:
    """`make i18n` was run after the last change to a user-facing text: otherwise a new message would
    reach residents in English whatever their language, and the completeness checks would not see it."""
    root = locales_dir().parent
    with (root / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    in_code = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(
            root, method_map, options_map, keywords={**DEFAULT_KEYWORDS, "N_": None, "__": None}
        )
    }
    in_template = {
        source.id if isinstance(source.id, str) else source.id[0] for source in template() if source.id
    }
    assert not in_code - in_template, "run `make i18n`: not in locales/messages.pot: " + repr(
        sorted(in_code - in_template)
    )
    assert not in_template - in_code, "run `make i18n`: no longer in the code: " + repr(
        sorted(in_template - in_code)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_compiles(language: str) -> None:
    translations = compile_catalog(CATALOGS[language])
    assert translations.info().get("language") == language


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    assert not catalog(language).fuzzy, f"{language}: the header is marked fuzzy"
    untranslated = [
        source.id for source, entry in translated(language) if not all(form.strip() for form in forms(entry))
    ]
    fuzzy = [entry.id for entry in catalog(language) if entry.id and entry.fuzzy]
    assert not untranslated, f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:3]}"
    assert not fuzzy, f"{language}: fuzzy entries {fuzzy[:3]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_header_and_entries(language: str) -> None:
    count = nplurals(language)
    allowed = NPLURALS_ALLOWED.get(language, {NPLURALS.get(language, count)})
    assert count in allowed, f"{language}: nplurals={count}, expected {sorted(allowed)}"
    assert catalog(language).num_plurals == count
    for source, entry in translated(language):
        if source.pluralizable:
            assert len(forms(entry)) == count, f"{language}: {source.id[0]!r} has {len(forms(entry))} forms"


@pytest.mark.parametrize("language", sorted(PLURAL_CASES))
def test_plural_rule_picks_the_right_form(language: str) -> None:
    plural = compile_catalog(CATALOGS[language]).plural  # type: ignore[attr-defined]
    assert {n: plural(n) for n in PLURAL_CASES[language]} == PLURAL_CASES[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_match_the_msgid(language: str) -> None:
    single = single_number_forms(language)
    problems: list[str] = []
    for source, entry in translated(language):
        if source.pluralizable:
            expected = placeholders(ids(source)[1])
            for index, form in enumerate(forms(entry)):
                found = placeholders(form)
                if found != expected and not (index in single and found == expected - {"{n}"}):
                    problems.append(f"{source.id[0]!r}[{index}]: {sorted(found)} ≠ {sorted(expected)}")
        else:
            found, expected = placeholders(forms(entry)[0]), placeholders(ids(source)[0])
            if found != expected:
                problems.append(f"{source.id!r}: {sorted(found)} ≠ {sorted(expected)}")
    assert not problems, f"{language}:\n" + "\n".join(problems)


class _Long(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return UNKNOWN


def long_values() -> _Long:
    values = _Long(LONG_VALUES)
    for name in ("n", "k", "done", "started", "completed", "position", "total", "min", "max", "h", "m", "s"):
        values[name] = NUMBER
    values.update(days=NUMBER, kb=NUMBER)
    return values


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_exceeds_telegram_limit_with_long_values(language: str) -> None:
    values = long_values()
    for source, entry in translated(language):
        for form in forms(entry):
            text = form.format_map(values) if placeholders(form) else form
            assert len(text) <= TELEGRAM_LIMIT, f"{language}: {source.id!r} is {len(text)} characters long"


def test_arabic_wraps_every_placeholder_in_isolates() -> None:
    problems: list[str] = []
    for source, entry in translated("ar"):
        for form in forms(entry):
            for match in PLACEHOLDER.finditer(form):
                before = form[match.start() - 1] if match.start() else ""
                after = form[match.end()] if match.end() < len(form) else ""
                if before != FSI or after != PDI:
                    problems.append(f"{source.id!r}: {match[0]} in {form!r}")
            if form.count(FSI) != form.count(PDI):
                problems.append(f"{source.id!r}: unbalanced isolates in {form!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("msgid", "values", "expected"),
    [
        (
            "Question {position} of {total}",
            {"position": 3, "total": 12},
            "السؤال \u20683\u2069 من \u206812\u2069",
        ),
        ("Title: {title}", {"title": "Charleroi 2027"}, "العنوان: \u2068Charleroi 2027\u2069"),
        (
            "Link: {link}",
            {"link": "https://t.me/consultbot?start=learning"},
            "الرابط: \u2068https://t.me/consultbot?start=learning\u2069",
        ),
        (
            "Hello {name}! I am the consultation bot of the City of {city}.\n"
            "The city wants to hear residents before it decides. Your opinion counts.\n"
            "To change the language, send /language.",
            {"name": "Anne", "city": "Charleroi"},
            "مرحبًا \u2068Anne\u2069! أنا بوت الاستشارات التابع لبلدية \u2068Charleroi\u2069.\n"
            "تريد البلدية أن تسمع رأي السكان قبل أن تقرّر. رأيك مهم.\n"
            "لتغيير اللغة، أرسل /language.",
        ),
    ],
)
def test_arabic_exact_strings_isolate_embedded_values(
    msgid: str, values: dict[str, object], expected: str
) -> None:
    """What a resident reading Arabic receives: Latin names, numbers and links stay in their own runs."""
    arabic = compile_catalog(CATALOGS["ar"])
    assert arabic.gettext(msgid).format(**values) == expected


def test_arabic_plurals_exact_strings() -> None:
    arabic = compile_catalog(CATALOGS["ar"])
    got = {n: arabic.ngettext("{n} question", "{n} questions", n).format(n=n) for n in (1, 2, 5, 12, 100)}
    assert got == {
        1: "سؤال واحد",
        2: "سؤالان",
        5: "\u20685\u2069 أسئلة",
        12: "\u206812\u2069 سؤالًا",
        100: "\u2068100\u2069 سؤال",
    }


def test_i18n_check_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert i18n_check.main() == 0
    lines = capsys.readouterr().out.splitlines()
    reported = {line.split(":", 1)[0] for line in lines if not line.startswith(" ")}
    assert reported == set(LANGUAGES)
    assert all(line.endswith(" 0 untranslated, 0 problems") for line in lines), lines
