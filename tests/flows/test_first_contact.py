"""First contact: /start, /help, /language, and whatever a resident may send."""

from __future__ import annotations

from bot.db.models import Contact
from tests.fake_telegram import FakeUser
from tests.harness import Running


async def test_start_lists_open_rounds_and_stores_nothing(bot: Running, resident: FakeUser) -> None:
    """/start alone greets the resident and lists the open consultations; nothing about them is stored."""
    await bot.open_round(payload="learning")
    replies = await resident.start()
    assert "Marie" in replies[0].content
    assert any("Charleroi" in b for row in resident.buttons() for b in row)
    assert await bot.count(Contact) == 0
