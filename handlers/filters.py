"""Magic filters (`F…`) evaluated on the event loop.

aiogram runs every filter that is a plain callable, magic filters included, in a worker thread
(`asyncio.to_thread`). For checks as small as "is this a private chat?", the thread hop costs far more than
the check, and an update meets a dozen of them on its way through the routers (bench/RESULTS.md). Every
magic filter in handlers/ is wrapped in `Magic`; tests/test_filters.py checks that none is left bare.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import TelegramObject
from magic_filter import MagicFilter


class Magic(Filter):
    def __init__(self, magic: MagicFilter) -> None:
        self._magic = magic

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self._magic.resolve(event))

    def __str__(self) -> str:
        return f"Magic({self._magic!r})"


class InState(Filter):
    """The person's conversation is at one of these steps. It reads the state only when checked (see
    bot/fsm_context.py); put it after the filters that rule an update out more cheaply."""

    def __init__(self, *states: State) -> None:
        self._names = frozenset(str(state.state) for state in states)

    async def __call__(self, event: TelegramObject, state: FSMContext | None = None) -> bool:
        return state is not None and await state.get_state() in self._names

    def __str__(self) -> str:
        return f"InState({', '.join(sorted(self._names))})"


PRIVATE = Magic(F.chat.type == "private")
PRIVATE_BUTTON = Magic(F.message.chat.type == "private")
#: Text that is not a command: what someone types as an answer.
TYPED_TEXT = Magic(F.text & ~F.text.startswith("/"))
