"""Random sequences of updates from several residents through the whole Dispatcher, against the fake Bot
API: no exception escapes, every message and button press is answered, every reply respects Telegram's
limits (the fake refuses those that don't, which would surface as errors), and the database holds its
invariants. Bounded, derandomised and without deadline, so CI runs it the same way every time."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.clock import FrozenClock
from bot.db.models import Answer, Respondent, Response
from bot.services.container import Services
from surveys import prune
from tests.conftest import START, make_settings
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.harness import running_bot

KINDS = [
    "start",
    "start_link",
    "press",
    "press",
    "press",
    "press_old",
    "forged",
    "text",
    "sticker",
    "command",
]
COMMANDS = ["/help", "/language", "/privacy", "/mydata", "/forget", "/nonsense", "/start bogus_payload"]
Action = tuple[int, str, int, str]

actions = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.sampled_from(KINDS),
        st.integers(0, 1000),
        st.text(st.characters(codec="utf-8"), max_size=30),
    ),
    min_size=1,
    max_size=35,
)


async def act(user: FakeUser, kind: str, n: int, text: str) -> bool:
    """Do one thing as this resident; True when it was a button press (a callback query)."""
    if kind == "start":
        await user.start()
    elif kind == "start_link":
        await user.start("learning")
    elif kind in {"press", "press_old"}:
        keyboards = [m for m in user.messages if m.inline_keyboard]
        if not keyboards:
            await user.send(text or "?")
            return False
        message = keyboards[-1] if kind == "press" else keyboards[n % len(keyboards)]
        labels = [label for row in message.buttons for label in row]
        await user.press_in(message, labels[n % len(labels)])
        return True
    elif kind == "forged" and user.messages:
        await user.press_data(text.encode()[:60].decode(errors="ignore") or "x")
        return True
    elif kind in {"text", "forged"}:
        await user.send(text if text.strip() else "…")
    elif kind == "sticker":
        await user.send_sticker()
    else:
        await user.send(COMMANDS[n % len(COMMANDS)])
    return False


async def scenario(template: Path, workdir: Path, steps: list[Action]) -> None:
    database = workdir / "fuzz.db"
    shutil.copy(template, database)
    async with FakeTelegram() as tg:
        config = make_settings(f"sqlite+aiosqlite:///{database}", tg, flood_limit=1000)
        async with running_bot(config, tg, FrozenClock(START)) as bot:
            rnd = await bot.open_round(payload="learning")
            languages = ["en", "fr", "ar"]
            users = [
                tg.user(user_id=7_700_900_000 + i, first_name=f"R{i}", language_code=languages[i])
                for i in range(3)
            ]
            for who, kind, n, text in steps:
                user = users[who]
                before = len(tg.requests)
                pressed = await act(user, kind, n, text)  # FakeUser raises unless the webhook answers 200
                made = [r.method for r in tg.requests[before:]]
                assert made, f"no answer to {kind}"
                if pressed:
                    assert "answerCallbackQuery" in made, f"button press not answered: {made}"
                assert all(r.status < 400 for r in tg.requests[before:]), [
                    r.response for r in tg.requests[before:]
                ]
            async with bot.session() as session:
                per_person = (
                    await session.execute(
                        select(Respondent.contact_id, func.count())
                        .join(Response, Response.respondent_id == Respondent.id)
                        .where(Respondent.contact_id.is_not(None))
                        .group_by(Respondent.contact_id, Respondent.round_id)
                    )
                ).all()
                assert all(count == 1 for _contact, count in per_person)
                _round, survey = await Services(session, bot.app.ctx).runner.round_and_survey(rnd.id)
                for response_id in (await session.execute(select(Response.id))).scalars():
                    query = select(Answer.question_id, Answer.value).where(Answer.response_id == response_id)
                    answers: dict[str, Any] = dict((await session.execute(query)).all())
                    assert prune(survey, answers) == answers, "an answer to a question that is not relevant"


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "12")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(steps=actions)
def test_random_updates_keep_every_promise(
    sqlite_template: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, steps: list[Action]
) -> None:
    caplog.clear()
    workdir = tmp_path / f"run{len(os.listdir(tmp_path))}"
    workdir.mkdir()
    with caplog.at_level(logging.ERROR):
        asyncio.run(scenario(sqlite_template, workdir, steps))
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
