"""A resident flooding the bot is asked, once, to slow down; everyone else is served meanwhile."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FrozenClock
from bot.config import Settings
from tests.conftest import make_settings
from tests.fake_telegram import FakeTelegram
from tests.harness import running_bot


async def test_flood_gets_one_slow_down_and_others_are_served(
    database_url: str, tg: FakeTelegram, clock: FrozenClock
) -> None:
    settings: Settings = make_settings(database_url, tg, flood_limit=5, flood_window_seconds=10)
    async with running_bot(settings, tg, clock):
        flooder = tg.user(user_id=7_700_000_401, first_name="Flo", language_code="en")
        other = tg.user(user_id=7_700_000_402, first_name="Oli", language_code="en")
        replies = [await flooder.send("hello?") for _ in range(9)]
        texts = [r[0].content if r else None for r in replies]
        assert texts[:5] == [texts[0]] * 5
        assert texts[5] == "You are sending messages very fast. Please wait a moment, then go on."
        assert texts[6:] == [None, None, None]
        assert (await other.send_command("help"))[0].content.startswith("I help the city")
        clock.advance(timedelta(seconds=11))
        assert (await flooder.send_command("help"))[0].content.startswith("I help the city")
