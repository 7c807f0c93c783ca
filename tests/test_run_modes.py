"""The two ways the bot receives updates, as `consultbot run` and `consultbot webhook` start them:
long polling (with /healthz on HEALTH_PORT) and a webhook registered with Telegram."""

from __future__ import annotations

import asyncio
import logging
import socket

import aiohttp
import pytest

from bot.app import Application
from bot.clock import FrozenClock
from bot.services.container import Services
from tests.conftest import make_settings
from tests.fake_telegram import FakeTelegram

DIGITAL = "Digital skills: computer, smartphone, online forms"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_polling_answers_and_serves_health(
    database_url: str, tg: FakeTelegram, clock: FrozenClock
) -> None:
    """`run` polls getUpdates, answers a resident, and serves /healthz on HEALTH_PORT meanwhile."""
    port = free_port()
    settings = make_settings(database_url, tg, health_port=port, host="127.0.0.1")
    app = await Application.create(settings, clock)
    task = asyncio.create_task(app.run_polling(handle_signals=False))
    try:
        await tg.wait_until(lambda: tg.polling_seen, timeout=20)
        resident = tg.user(user_id=7_700_000_301, first_name="Sami", language_code="en")
        await resident.send_command("help")
        await tg.wait_for_messages(resident.user_id, 1, timeout=20)
        assert "/language" in tg.messages(resident.user_id)[0].content
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as answer:
            assert answer.status == 200
        assert tg.calls("setMyCommands")
    finally:
        await app.stop()
        await asyncio.wait_for(task, 20)
        await app.close()


async def test_webhook_mode_registers_itself(
    database_url: str, tg: FakeTelegram, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    """`webhook` serves on PORT, registers WEBHOOK_BASE_URL + WEBHOOK_PATH with its secret, and answers.
    Its access log keeps only the requests that failed."""
    port = free_port()
    settings = make_settings(
        database_url, tg, host="127.0.0.1", port=port, webhook_base_url=f"http://127.0.0.1:{port}"
    )
    app = await Application.create(settings, clock)
    task = asyncio.create_task(app.run_webhook(handle_signals=False))
    try:
        await tg.wait_until(lambda: tg.webhook is not None, timeout=20)
        set_webhook = tg.calls("setWebhook")[-1].params
        assert set_webhook["url"] == f"http://127.0.0.1:{port}/telegram"
        assert set_webhook["secret_token"] == settings.webhook_secret.get_secret_value()  # type: ignore[union-attr]
        resident = tg.user(user_id=7_700_000_302, first_name="Sami", language_code="en")
        with caplog.at_level(logging.INFO, logger="aiohttp.access"):
            replies = await resident.send_command("help")
            assert "/language" in replies[0].content
            assert await tg.deliver_raw(resident.text_update("/help"), secret="wrong") == 403
        logged = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
        assert len(logged) == 1, logged
        assert '"POST /telegram HTTP/1.1" 403' in logged[0]
    finally:
        await app.stop()
        await asyncio.wait_for(task, 20)
        await app.close()


async def test_polling_settles_the_answered_question(
    database_url: str, tg: FakeTelegram, clock: FrozenClock
) -> None:
    """A handler gives the edit that settles an answered question back as the webhook's answer; with long
    polling aiogram makes that call itself, once the update is saved."""
    settings = make_settings(database_url, tg, health_port=free_port(), host="127.0.0.1")
    app = await Application.create(settings, clock)
    async with app.ctx.sessions.begin() as session:
        services = Services(session, app.ctx)
        version = await services.surveys.get("charleroi-learning-city")
        assert version is not None
        await services.rounds.open_round(version, payload="learning")
    task = asyncio.create_task(app.run_polling(handle_signals=False))
    try:
        await tg.wait_until(lambda: tg.polling_seen, timeout=20)
        resident = tg.user(user_id=7_700_000_302, first_name="Rosa", language_code="en")
        await resident.start("learning")
        await resident.press("Yes, I agree")
        question = resident.last_message
        await resident.press(DIGITAL)
        await resident.press("Done ✅")

        def settled() -> bool:
            shown = tg.message(question.chat_id, question.message_id)
            return shown is not None and shown.content.endswith("✓ " + DIGITAL)

        await tg.wait_until(settled, timeout=20, what="the answered question settled")
        assert not tg.message(question.chat_id, question.message_id).reply_markup  # type: ignore[union-attr]
        assert all(call.via == "http" for call in tg.calls("editMessageText"))
    finally:
        await app.stop()
        await asyncio.wait_for(task, 20)
        await app.close()
