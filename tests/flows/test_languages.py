"""Residents who read Arabic or Turkish answer the whole consultation in their language."""

from __future__ import annotations

import pytest

from bot.config import SHIPPED_SURVEYS_DIR
from surveys import Survey, load_survey
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.flows.journey import PAYLOAD
from tests.harness import Running

SHIPPED = load_survey(SHIPPED_SURVEYS_DIR / "charleroi-learning-city.yaml")


def label(survey: Survey, question: str, choice: str, language: str) -> str:
    return next(c.label.get(language) for c in survey.question(question).choices if c.id == choice)


@pytest.mark.parametrize(("language", "user_id"), [("ar", 7_700_000_501), ("tr", 7_700_000_502)])
async def test_whole_journey_in_a_community_language(
    bot: Running, tg: FakeTelegram, language: str, user_id: int
) -> None:
    """Every question, button and message comes in the resident's language; answers are stored as ids."""
    rnd = await bot.open_round(payload=PAYLOAD)
    catalogs = bot.app.ctx.catalogs

    def t(msgid: str) -> str:
        return str(catalogs.gettext(msgid, locale=language))

    resident = tg.user(user_id=user_id, first_name="Yusuf", language_code=language)
    replies = await resident.start(PAYLOAD)
    assert SHIPPED.title.get(language) in replies[0].content
    await resident.press(t("Yes, I agree"))
    assert SHIPPED.question("topics").label.get(language) in resident.last_text
    await resident.press(label(SHIPPED, "topics", "digital", language))
    await resident.press(t("Done ✅"))
    await resident.press(label(SHIPPED, "time_of_day", "evening", language))
    await resident.press(t("Done ✅"))
    await resident.press(label(SHIPPED, "format", "online", language))
    await resident.press(label(SHIPPED, "barriers", "language", language))
    await resident.press(t("Done ✅"))
    await resident.press(t("No"))
    await resident.press("3")
    replies = await resident.send("abc")
    assert replies[0].content == t("Please type a number, for example 12.")
    await resident.send("٥" if language == "ar" else "5")
    await resident.press(t("Skip »"))
    for choice in ("free", "near_home", "french"):
        await resident.press(label(SHIPPED, "priorities", choice, language))
    await resident.press("Marcinelle")
    await resident.press(label(SHIPPED, "home_languages", language, language))
    await resident.press(t("Done ✅"))
    await resident.press(t("Skip »"))
    await resident.press(label(SHIPPED, "situation", "job_seeking", language))
    await resident.press(t("Skip »"))
    assert t("Please check your answers:") in resident.last_text
    replies = await resident.press(t("✅ Send my answers"))
    assert SHIPPED.thanks is not None
    assert any(SHIPPED.thanks.get(language).splitlines()[0] in r.content for r in replies)
    answers = await bot.answers_of(resident.user_id, rnd.id)
    assert answers["barriers"] == ["language"]
    assert answers["hours_per_week"] == 5
    assert answers["home_languages"] == [language]
    assert all(len(m.content) <= 4096 for m in resident.messages)


async def test_residents_of_one_round_see_the_buttons_in_their_own_language(
    bot: Running, tg: FakeTelegram
) -> None:
    """Residents at the same question each get its buttons in their language, with their own ticks."""
    await bot.open_round(payload=PAYLOAD)
    catalogs = bot.app.ctx.catalogs
    lucie = tg.user(user_id=7_700_000_511, first_name="Lucie", language_code="fr")
    samira = tg.user(user_id=7_700_000_512, first_name="Samira", language_code="ar")
    marc = tg.user(user_id=7_700_000_513, first_name="Marc", language_code="fr")

    def shown(resident: FakeUser) -> list[str]:
        return [text for row in resident.buttons() for text in row]

    for resident, language in ((lucie, "fr"), (samira, "ar"), (marc, "fr")):
        await resident.start(PAYLOAD)
        await resident.press(str(catalogs.gettext("Yes, I agree", locale=language)))
    await lucie.press(label(SHIPPED, "topics", "digital", "fr"))
    assert "✓ " + label(SHIPPED, "topics", "digital", "fr") in shown(lucie)
    assert shown(samira)[0] == label(SHIPPED, "topics", SHIPPED.question("topics").choices[0].id, "ar")
    assert str(catalogs.gettext("Done ✅", locale="ar")) in shown(samira)
    assert not any(text.startswith("✓ ") for text in shown(marc))
    await marc.press(label(SHIPPED, "topics", "digital", "fr"))
    assert shown(marc) == shown(lucie)
