"""Test data for the community workers' flows: a two-question survey, its round, a resident's walk
through it, and reading link codes out of the bot's messages."""

from __future__ import annotations

import re

from bot.config import Settings
from tests.conftest import make_settings
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.flows.conftest import ADMIN_ID
from tests.harness import Running

SURVEY = """\
id: library-visits
version: 1
default_language: fr
languages: [fr, en, ar]
title: {fr: Les bibliothèques, en: The libraries, ar: المكتبات}
thanks: {fr: Merci !, en: Thank you!, ar: شكرا!}
questions:
  - id: district
    type: select_one
    label: {fr: Où habitez-vous ?, en: Where do you live?, ar: أين تسكن؟}
    choices:
      - {id: jumet, label: Jumet}
      - {id: gilly, label: Gilly}
  - id: idea
    type: text
    required: false
    label: {fr: Une idée pour les bibliothèques ?, en: An idea for the libraries?, ar: فكرة للمكتبات؟}
"""
K = 3  # the small-count threshold of these tests: three residents are shown, fewer are "<3"
LINK = re.compile(r"\?start=(w-[A-Za-z0-9]{10})\b")


def link_code(text: str) -> str:
    found = LINK.search(text)
    assert found, text
    return found.group(1)


def worker_settings(database_url: str, tg: FakeTelegram) -> Settings:
    """The staff's settings with a small-count threshold of 3 (test modules use it as `staff_settings`)."""
    return make_settings(database_url, tg, admin_ids=frozenset({ADMIN_ID}), small_count_threshold=K)


async def library_round(bot: Running, payload: str = "library") -> int:
    await bot.store_survey(SURVEY)
    rnd = await bot.open_round("library-visits", payload=payload, title="Bibliothèques 2027")
    return rnd.id


async def answer(
    resident: FakeUser, payload: str, district: str = "Jumet", idea: str = "Open on Sundays"
) -> None:
    """Open the link, agree to the notice, answer both questions and send."""
    await resident.start(payload)
    await resident.press("Yes, I agree")
    await resident.press(district)
    await resident.send(idea)
    await resident.press("✅ Send my answers")
