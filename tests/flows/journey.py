"""Walking a resident through the shipped survey, so journey tests can start where they need to."""

from __future__ import annotations

from tests.fake_telegram import FakeUser

PAYLOAD = "learning"


async def agree(resident: FakeUser, payload: str = PAYLOAD) -> None:
    """Open the round by its deep link and accept the privacy notice."""
    await resident.start(payload)
    await resident.press("Yes, I agree")


async def answer_first_part(resident: FakeUser) -> None:
    """topics … has_children (answered 'No'), leaving the resident at 'confidence'."""
    await resident.press("Digital skills: computer, smartphone, online forms")
    await resident.press("Done ✅")
    await resident.press("In the evening")
    await resident.press("Done ✅")
    await resident.press("In person, with other people")
    await resident.press("I don't have the time")
    await resident.press("Done ✅")
    await resident.press("No")


async def answer_rest(resident: FakeUser) -> None:
    """confidence … idea, reaching the review."""
    await resident.press("4")
    await resident.send("6")
    await resident.press("Skip »")
    await resident.press("Free courses")
    await resident.press("Courses near my home")
    await resident.press("More French courses")
    await resident.press("Marcinelle")
    await resident.press("French")
    await resident.press("Done ✅")
    await resident.press("Skip »")
    await resident.press("I work")
    await resident.send("More evening courses in Marcinelle, please.")
