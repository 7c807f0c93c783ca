"""A button visits only the routers that could take it (handlers/buttons.py), and one nobody can take
still reaches the fallback."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Router
from aiogram.types import CallbackQuery, Chat, Message, User

from handlers import build_routers
from handlers.buttons import ButtonPrefixes
from handlers.callbacks import AnswerCb, StaffRoundCb
from tests.conftest import make_settings
from tests.fake_telegram import FakeTelegram


def _query(data: str) -> CallbackQuery:
    user = User(id=7, is_bot=False, first_name="R")
    chat = Chat(id=7, type="private")
    message = Message(message_id=1, date=datetime(2026, 11, 26, tzinfo=UTC), chat=chat, text="?")
    return CallbackQuery(id="q", from_user=user, chat_instance="c", message=message, data=data)


async def _visited(routers: list[Router], query: CallbackQuery) -> list[str]:
    """The routers whose button handlers would be tried for `query`, as aiogram walks them."""
    visited: list[str] = []

    async def walk(router: Router) -> None:
        for check in router.callback_query._handler.filters or []:
            if isinstance(check.callback, ButtonPrefixes) and not await check.callback(query):
                return
        if router.callback_query.handlers:
            visited.append(router.name)
        for child in router.sub_routers:
            await walk(child)

    for router in routers:
        await walk(router)
    return visited


async def test_a_residents_answer_visits_the_survey_router_and_the_fallback(tg: FakeTelegram) -> None:
    routers = build_routers(make_settings("sqlite+aiosqlite://", tg))
    answer = _query(AnswerCb(r=1, q=2, c=3).pack())
    visited = await _visited(routers, answer)
    assert len(visited) == 2, visited
    assert visited[-1] == routers[-1].name  # the fallback, for a button the survey no longer takes
    # The survey's buttons router comes first after the errors' (which take no buttons): an answer is
    # not turned away by a dozen routers before it.
    assert routers[1].name == visited[0] == "resident-survey-buttons"
    assert not routers[0].callback_query.handlers


async def test_no_other_router_takes_the_survey_buttons(tg: FakeTelegram) -> None:
    """What lets the survey's buttons come first: no other router takes their prefixes (but the fallback,
    which takes any button, last)."""
    routers = build_routers(make_settings("sqlite+aiosqlite://", tg))

    def prefixes(router: Router) -> set[str]:
        return {
            prefix
            for check in router.callback_query._handler.filters or []
            if isinstance(check.callback, ButtonPrefixes)
            for prefix in check.callback.prefixes
        }

    survey = prefixes(routers[1])
    assert {"a", "n"} <= survey
    for router in routers[2:-1]:
        root_filters = router.callback_query._handler.filters or []
        narrowed = any(isinstance(f.callback, ButtonPrefixes) for f in root_filters)
        assert narrowed and not survey & prefixes(router), router.name


async def test_staff_buttons_reach_the_staff_routers_and_unknown_ones_only_the_fallback(
    tg: FakeTelegram,
) -> None:
    routers = build_routers(make_settings("sqlite+aiosqlite://", tg))
    fallback = routers[-1]
    assert not any(
        isinstance(f.callback, ButtonPrefixes) for f in fallback.callback_query._handler.filters or []
    )
    staff = await _visited(routers, _query(StaffRoundCb(a="stats", r=1).pack()))
    assert len(staff) > 2 and staff[-1] == fallback.name
    assert await _visited(routers, _query("zz:1:2")) == [fallback.name]
    assert await _visited(routers, _query("")) == [fallback.name]
