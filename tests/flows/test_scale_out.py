"""Several bot processes behind one webhook: each update takes effect once, even delivered twice or to two
processes at once; one resident's updates spread over two processes keep their order; /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from bot.clock import FrozenClock
from bot.config import Settings
from tests.conftest import TEST_REDIS_URL
from tests.fake_telegram import FakeTelegram, FakeUser, SentMessage
from tests.flows.journey import PAYLOAD, agree
from tests.harness import Running, running_bot

TOPIC = "Digital skills: computer, smartphone, online forms"


async def test_the_same_update_delivered_twice_stores_one_answer_and_sends_one_reply(
    bot: Running, tg: FakeTelegram, resident: FakeUser
) -> None:
    """Telegram delivers an update again (its first answer was lost): the second delivery is answered
    200 and changes nothing, says nothing."""
    rnd = await bot.open_round(payload=PAYLOAD)
    await agree(resident)
    await resident.press(TOPIC)
    await resident.press("Done ✅")
    update = tg.webhook_deliveries[-1].update
    mark = tg.journal_mark()
    assert await tg.deliver(update) == 200
    assert tg.journal_since(mark, resident.user_id) == []
    assert await bot.answers_of(resident.user_id, rnd.id) == {"topics": ["digital"]}
    typed = resident.text_update("/help")
    first = {"update_id": tg.next_update_id(), **typed}
    assert await tg.deliver(first) == 200
    assert await tg.deliver(first) == 200
    assert len([m for m in tg.messages(resident.user_id) if "/language" in m.content]) == 1


async def test_metrics_are_served_next_to_the_webhook(bot: Running, resident: FakeUser) -> None:
    """GET /metrics: updates handled by type, handling time, duplicates, outbox depth, 429s."""
    await resident.send_command("help")
    url = bot.webhook_url.rsplit("/", 1)[0] + "/metrics"
    async with aiohttp.ClientSession() as http, http.get(url) as answer:
        assert answer.status == 200
        text = await answer.text()
    for name in (
        'consultbot_updates_total{type="message"}',
        "consultbot_update_seconds_bucket",
        "consultbot_updates_duplicate_total",
        "consultbot_outbox_depth",
        "consultbot_telegram_429_total",
    ):
        assert name in text
    assert str(resident.user_id) not in text


@pytest.fixture
def shared(settings: Settings, backend: str) -> Settings:
    if backend != "postgres" or not TEST_REDIS_URL:
        pytest.skip("two bot processes need PostgreSQL and Redis: set TEST_DATABASE_URL and TEST_REDIS_URL")
    return settings


async def test_two_bot_processes_keep_one_residents_answers_in_order(
    shared: Settings, tg: FakeTelegram, clock: FrozenClock, resident: FakeUser
) -> None:
    """Two processes share PostgreSQL and Redis (state and per-resident lock). The resident's updates
    alternate between them and the answers are stored in order; an update delivered to both at once
    takes effect once."""
    async with running_bot(shared, tg, clock) as one, running_bot(shared, tg, clock) as two:
        assert tg.webhook is not None
        urls = [one.webhook_url, two.webhook_url]
        rnd = await one.open_round(payload=PAYLOAD)
        steps: list[Callable[[], Awaitable[list[SentMessage]]]] = [
            lambda: resident.start(PAYLOAD),
            lambda: resident.press("Yes, I agree"),
            lambda: resident.press(TOPIC),
            lambda: resident.press("Done ✅"),
            lambda: resident.press("In the evening"),
            lambda: resident.press("Done ✅"),
        ]
        for number, step in enumerate(steps):
            tg.webhook["url"] = urls[number % 2]
            await step()
        assert await one.answers_of(resident.user_id, rnd.id) == {
            "topics": ["digital"],
            "time_of_day": ["evening"],
        }
        question = resident.last_message.snapshot()
        assert "in person or online" in question.content
        button = question.find_button("Both")
        assert button is not None
        update = {
            "update_id": tg.next_update_id(),
            "callback_query": {
                "id": tg.next_callback_id(),
                "from": resident.user,
                "message": tg.message_dict(question),
                "chat_instance": resident.chat_instance,
                "data": button["callback_data"],
            },
        }
        mark = tg.journal_mark()
        statuses = await asyncio.gather(
            *(tg.deliver_raw(update, tg.webhook.get("secret_token"), url) for url in urls)
        )
        assert statuses == [200, 200]
        asked = [m for m in tg.journal_since(mark, resident.user_id) if "What stops you" in m.content]
        assert len(asked) == 1, "one of the two deliveries took effect"
        assert await two.answers_of(resident.user_id, rnd.id) == {
            "topics": ["digital"],
            "time_of_day": ["evening"],
            "format": "both",
        }
