"""/voices: staff listen to the voice messages residents gave as answers."""

from __future__ import annotations

from tests.fake_telegram import FakeTelegram, FakeUser
from tests.harness import Running
from tests.surveys.support import HEADER


async def test_voices_sends_each_recording_with_its_pseudonym(
    staff_bot: Running, tg: FakeTelegram, staff: FakeUser, someone: FakeUser
) -> None:
    await staff_bot.store_survey(
        HEADER + "questions:\n  - {id: idea, type: text, label: Idée, accept_voice: true}\n"
    )
    rnd = await staff_bot.open_round("test", payload="voice")
    await someone.start("voice")
    await someone.press("Yes, I agree")
    await someone.send_voice(duration=7, file_id="AwACAgQAAxkBAAIBresident")
    replies = await staff.send(f"/voices {rnd.id}")
    assert [r.kind for r in replies] == ["voice"]
    assert replies[0].params["voice"] == "AwACAgQAAxkBAAIBresident"
    assert "question “idea”" in replies[0].content
    assert str(someone.user_id) not in replies[0].content


async def test_voices_of_a_round_without_any(staff_bot: Running, staff: FakeUser) -> None:
    rnd = await staff_bot.open_round(payload="novoice")
    replies = await staff.send(f"/voices {rnd.id}")
    assert replies[0].content == f"Round {rnd.id} has no voice answers."


async def test_missing_translation_falls_back_and_is_counted(
    staff_bot: Running, staff: FakeUser, someone: FakeUser
) -> None:
    """A text missing in English is shown in French to an English-speaking resident, and /stats says
    how many responses met such a fallback."""
    await staff_bot.store_survey(
        HEADER + "questions:\n  - {id: q, type: text, label: {fr: Votre idée, en: Your idea}}\n"
        "  - {id: r, type: text, label: Seulement en français}\n"
    )
    rnd = await staff_bot.open_round("test", payload="partial")
    await someone.start("partial")
    await someone.press("Yes, I agree")
    replies = await someone.send("More buses")
    assert "Seulement en français" in replies[-1].content
    replies = await staff.send(f"/stats {rnd.id}")
    text = "\n".join(r.content for r in replies)
    assert "• en: missing texts: 1; responses that met them: <5" in text
