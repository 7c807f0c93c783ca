"""No filter in handlers/ runs in a worker thread: aiogram sends every plain-callable filter (a bare `F…`
magic filter among them) through `asyncio.to_thread`, a cost paid by every update that meets it. And no
filter relies on aiogram reading the FSM state up front (bot/fsm_context.py)."""

from __future__ import annotations

from collections.abc import Iterator

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.filters import StateFilter

from handlers import build_routers
from tests.conftest import make_settings
from tests.fake_telegram import FakeTelegram


def every_filter(router: Router) -> Iterator[tuple[str, FilterObject]]:
    for name, observer in router.observers.items():
        for check in observer._handler.filters or []:
            yield f"{router.name}.{name} (router filter)", check
        for handler in observer.handlers:
            for check in handler.filters or []:
                yield f"{router.name}.{name} → {handler.callback.__name__}", check
    for child in router.sub_routers:
        yield from every_filter(child)


def test_every_filter_runs_on_the_event_loop(tg: FakeTelegram) -> None:
    routers = build_routers(make_settings("sqlite+aiosqlite://", tg))
    found = [(where, check) for router in routers for where, check in every_filter(router)]
    assert len(found) > 50
    threaded = [f"{where}: {check.callback!r}" for where, check in found if not check.awaitable]
    assert not threaded, "wrap these in handlers.filters.Magic:\n" + "\n".join(threaded)


def test_states_are_checked_with_in_state(tg: FakeTelegram) -> None:
    """aiogram's StateFilter reads `raw_state`, which is no longer read for every update: it would
    always see no state. handlers.filters.InState reads the state when it is checked."""
    routers = build_routers(make_settings("sqlite+aiosqlite://", tg))
    found = [(where, check) for router in routers for where, check in every_filter(router)]
    in_state = [where for where, check in found if type(check.callback).__name__ == "InState"]
    assert len(in_state) >= 4
    aiogram_state = [where for where, check in found if isinstance(check.callback, StateFilter)]
    assert not aiogram_state, "use handlers.filters.InState:\n" + "\n".join(aiogram_state)
    for check in (check for _, check in found):
        assert "raw_state" not in check.params, check.callback
