"""Survey files sent to the bot by staff: stored, amended, or refused with every problem listed."""

from __future__ import annotations

from pathlib import Path

from bot.db.models import SurveyVersion
from tests.fake_telegram import FakeUser
from tests.harness import Running

GOLDEN = (Path(__file__).parent.parent / "golden" / "survey.yaml").read_text(encoding="utf-8")
YAML = "application/x-yaml"


async def test_surveys_lists_versions_and_invites_an_upload(staff_bot: Running, staff: FakeUser) -> None:
    """/surveys shows each stored version and says how to add one."""
    await staff.send_command("surveys")
    assert "• charleroi-learning-city v1 — " in staff.last_text
    assert "send me its YAML file" in staff.last_text


async def test_valid_file_is_stored_as_a_new_version(staff_bot: Running, staff: FakeUser) -> None:
    """A valid YAML document becomes a stored version, and the upload is audited."""
    before = await staff_bot.count(SurveyVersion)
    await staff.send_document("golden.yaml", GOLDEN.encode(), YAML)
    assert staff.last_text.startswith(
        "Stored: survey golden-survey version 1, 9 questions, languages fr, en, ar."
    )
    assert await staff_bot.count(SurveyVersion) == before + 1
    async with staff_bot.services() as services:
        assert [e.action for e in await services.audit.latest()] == ["survey.upload"]


async def test_texts_only_change_amends_and_other_changes_are_refused(
    staff_bot: Running, staff: FakeUser
) -> None:
    """Same id and version: new texts update the version; a structural change is refused."""
    await staff.send_document("golden.yaml", GOLDEN.encode(), YAML)
    await staff.send_document("golden.yaml", GOLDEN.encode(), YAML)
    assert "already stored exactly like this" in staff.last_text
    await staff.send_document("golden.yaml", GOLDEN.replace("Note ?", "Votre note ?").encode(), YAML)
    assert staff.last_text.startswith("Texts updated: survey golden-survey version 1")
    await staff.send_document("golden.yaml", GOLDEN.replace("max: 5", "max: 7").encode(), YAML)
    assert "changes more than its texts" in staff.last_text
    async with staff_bot.services() as services:
        row = await services.surveys.get("golden-survey", 1)
        assert row is not None and "Votre note ?" in row.source and "max: 7" not in row.source


async def test_invalid_file_lists_its_problems_and_stores_nothing(
    staff_bot: Running, staff: FakeUser
) -> None:
    """Problems are listed as `consultbot survey check` lists them, with file and line."""
    before = await staff_bot.count(SurveyVersion)
    broken = GOLDEN.replace("type: scale", "type: scael").replace("title:", "titel:")
    await staff.send_document("broken.yaml", broken.encode(), YAML)
    assert staff.last_text.startswith("Nothing was stored: ")
    assert "broken.yaml:" in staff.last_text and "did you mean 'title'?" in staff.last_text
    assert await staff_bot.count(SurveyVersion) == before


async def test_not_yaml_too_big_or_not_text_is_refused(staff_bot: Running, staff: FakeUser) -> None:
    """A PDF, a huge file, or bytes that are not UTF-8: a reason each, nothing stored."""
    before = await staff_bot.count(SurveyVersion)
    await staff.send_document("letter.pdf")
    assert staff.last_text.startswith("This is not a survey file")
    await staff.send_document("big.yaml", b"#" * (300 * 1024), YAML)
    assert staff.last_text.startswith("This file is too big for a survey")
    await staff.send_document("latin1.yaml", "titre: Enquête".encode("latin-1"), YAML)
    assert staff.last_text.startswith("This file is not UTF-8 text")
    assert await staff_bot.count(SurveyVersion) == before


async def test_a_resident_sending_a_yaml_file_is_not_told_about_surveys(
    staff_bot: Running, someone: FakeUser
) -> None:
    """Uploads are for staff: a resident's document meets the ordinary reply; nothing is stored."""
    before = await staff_bot.count(SurveyVersion)
    await someone.send_document("golden.yaml", GOLDEN.encode(), YAML)
    assert "Stored" not in someone.last_text and "survey" not in someone.last_text.lower()
    assert await staff_bot.count(SurveyVersion) == before
