"""A response's answers, gathered as one JSON array in the read of the response (bot/db/aggregates.py),
are the answers as stored: every kind of value, the other text, a skipped question, none at all."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.db.aggregates import AnswersOfResponse
from bot.db.models import Response
from bot.services import answering
from tests.fake_telegram import FakeTelegram
from tests.flows.journey import PAYLOAD, agree, answer_first_part, answer_rest
from tests.harness import Running


def _rows(rows: Any) -> list[tuple[Any, ...]]:
    return sorted((tuple(row) for row in rows), key=lambda row: str(row[0]))


async def test_gathered_answers_are_the_stored_answers(bot: Running, tg: FakeTelegram) -> None:
    await bot.open_round(payload=PAYLOAD)
    amina, rosa, sami = (tg.user(user_id, language_code="en") for user_id in (7_700_000_401, 402, 403))
    await agree(amina)
    await answer_first_part(amina)
    await answer_rest(amina)  # numbers, a skipped question, lists, a choice, typed text
    await agree(rosa)
    await rosa.press("Other (please specify)")
    await rosa.press("Done ✅")
    await rosa.send("Beekeeping «ruches» — 2 h/week")
    await agree(sami)  # nothing answered yet
    async with bot.session() as session:
        gathered = dict((await session.execute(select(Response.id, AnswersOfResponse()))).all())
        assert len(gathered) == 3
        for response_id, rows in gathered.items():
            stored = await session.execute(answering._ANSWERS_OF, {"response_id": response_id})
            assert _rows(rows) == _rows(stored)
    counts = sorted(len(rows) for rows in gathered.values())
    assert counts[0] == 0 and counts[1] == 1 and counts[2] >= 12, counts
    everything = [value for rows in gathered.values() for _q, value, _o in rows]
    assert None in everything and 4 in everything and ["fr"] in everything
    assert any(other == "Beekeeping «ruches» — 2 h/week" for rows in gathered.values() for *_, other in rows)
