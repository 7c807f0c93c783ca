"""Fixtures for the staff's flows: a bot with one configured admin, and colleagues of every role."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from bot.db.models import Role
from tests.conftest import make_settings
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.harness import Running, running_bot

ADMIN_ID = 7_700_000_090
STAFF_ID = 7_700_000_091
WORKER_ID = 7_700_000_092
RESIDENT_ID = 7_700_000_093
UNKNOWN_COMMAND = "I don't know this command. Send /help to see what I can do."


@pytest.fixture
def staff_settings(database_url: str, tg: FakeTelegram) -> Settings:
    return make_settings(database_url, tg, admin_ids=frozenset({ADMIN_ID}))


@pytest.fixture
async def staff_bot(staff_settings: Settings, tg: FakeTelegram, clock: FrozenClock) -> AsyncIterator[Running]:
    async with running_bot(staff_settings, tg, clock) as running:
        yield running


@pytest.fixture
def admin(tg: FakeTelegram) -> FakeUser:
    """Listed in ADMIN_IDS."""
    return tg.user(user_id=ADMIN_ID, first_name="Anne", last_name="Admin", language_code="en")


@pytest.fixture
async def staff(staff_bot: Running, tg: FakeTelegram) -> FakeUser:
    """A staff member (role given by an admin)."""
    user = tg.user(user_id=STAFF_ID, first_name="Samir", language_code="en")
    await grant(staff_bot, user, Role.STAFF)
    return user


@pytest.fixture
async def worker(staff_bot: Running, tg: FakeTelegram) -> FakeUser:
    user = tg.user(user_id=WORKER_ID, first_name="Wendy", language_code="en")
    await grant(staff_bot, user, Role.WORKER, organisation="Maison de quartier")
    return user


@pytest.fixture
def someone(tg: FakeTelegram) -> FakeUser:
    """A resident with no role."""
    return tg.user(user_id=RESIDENT_ID, first_name="Rita", language_code="en")


async def grant(bot: Running, user: FakeUser, role: Role, organisation: str | None = None) -> None:
    async with bot.services() as services:
        await services.roles.grant(
            user.user_id, role, by=None, organisation=organisation, name=user.user["first_name"]
        )
