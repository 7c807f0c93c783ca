"""Same-version files may change texts only; anything structural needs a new version."""

from __future__ import annotations

from surveys import checksum, is_text_only_change, structure_key
from tests.surveys.support import MINI, survey_from


def test_text_changes_keep_the_structure_key() -> None:
    """Labels, hints, messages, title, translations and added languages are text-only changes."""
    amended = (
        MINI.replace("Garde ?", "Besoin d'une garde ?")
        .replace("Vraiment ?", "Êtes-vous sûr ?")
        .replace("title: {fr: Test, en: Test}", "title: {fr: Essai, en: Trial, nl: Proef}")
        .replace("languages: [fr, en]", "languages: [fr, en, nl]")
        .replace("label: Langues", "label: {fr: Langues, nl: Talen}")
        + "description: Un essai.\nthanks: Merci !\n"
    )
    old, new = survey_from(MINI), survey_from(amended)
    assert old != new
    assert structure_key(old) == structure_key(new)
    assert is_text_only_change(old, new)


def test_expression_spacing_is_not_a_structural_change() -> None:
    """Reformatting an expression keeps its meaning and the key."""
    new = survey_from(MINI.replace("${has_children} = 'yes'", '${has_children}="yes"'))
    assert is_text_only_change(survey_from(MINI), new)


def test_structural_changes_are_detected() -> None:
    """Ids, choices, bounds, required, expressions and order all change the structure key."""
    old = survey_from(MINI)
    changes = [
        ("max: 60", "max: 50"),
        ("required: false", "required: true"),
        ("- {id: arts, label: Arts}", "- {id: arts, label: Arts}\n      - {id: sport, label: Sport}"),
        ("id: not_needed", "id: no_need"),
        (". != 99", ". != 98"),
        ("other: true", "other: false"),
        ("type: yes_no", "type: select_one\n    choices: [{id: 'yes', label: Oui}, {id: 'no', label: Non}]"),
    ]
    for before, after in changes:
        assert before in MINI
        new = survey_from(MINI.replace(before, after, 1))
        assert not is_text_only_change(old, new), (before, after)
        assert structure_key(old) != structure_key(new)


def test_checksum_is_the_sha256_of_the_source() -> None:
    """checksum notices any change to the file, even a comment."""
    assert checksum(MINI) != checksum(MINI + "# note\n")
    assert len(checksum(MINI)) == 64 and checksum(MINI) == checksum(str(MINI))
