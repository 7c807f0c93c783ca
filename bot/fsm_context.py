"""aiogram's FSM middleware, without reading every update's state up front.

aiogram reads the person's FSM state before any handler runs, for its StateFilter. Here only a few staff
conversations (a new round, an invitation, the results message) have a state; a resident's button never
needs it, yet the read was one of an answer's seven statements (bench/RESULTS.md §1). The state is read
when a filter (`handlers.filters.InState`) or a handler asks for it, and at most once per update.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.storage.base import DEFAULT_DESTINY, StateType
from aiogram.types import TelegramObject

_UNREAD = object()


class StateReadOnce(FSMContext):
    """An update's FSM context that keeps the state it read (the person's updates take turns, so nobody
    else changes it meanwhile) and reads again after setting it."""

    def __init__(self, context: FSMContext) -> None:
        super().__init__(context.storage, context.key)
        self._state: object = _UNREAD

    async def get_state(self) -> str | None:
        if self._state is _UNREAD:
            self._state = await super().get_state()
        return self._state  # type: ignore[return-value]

    async def set_state(self, state: StateType = None) -> None:
        self._state = _UNREAD
        await super().set_state(state)


class LazyFSMContextMiddleware(FSMContextMiddleware):
    """Gives handlers and filters `state` (and `fsm_storage`) but not `raw_state`: aiogram's StateFilter,
    which reads `raw_state`, is not used here (tests/test_filters.py)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data["fsm_storage"] = self.storage
        context = self.resolve_event_context(data["bot"], data)
        if context is not None:
            data["state"] = context
        return await handler(event, data)

    def resolve_context(
        self,
        bot: Bot,
        chat_id: int | None,
        user_id: int | None,
        thread_id: int | None = None,
        business_connection_id: str | None = None,
        destiny: str = DEFAULT_DESTINY,
    ) -> FSMContext | None:
        context = super().resolve_context(bot, chat_id, user_id, thread_id, business_connection_id, destiny)
        return StateReadOnce(context) if context is not None else None
