"""Magic filters (`F…`) evaluated on the event loop.

aiogram runs every filter that is a plain callable, magic filters included, in a worker thread
(`asyncio.to_thread`). For checks as small as "is this a private chat?", the thread hop costs far more than
the check, and an update meets a dozen of them on its way through the routers (bench/RESULTS.md). Every
magic filter in handlers/ is wrapped in `Magic`; tests/test_filters.py checks that none is left bare.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Filter
from aiogram.types import TelegramObject
from magic_filter import MagicFilter


class Magic(Filter):
    def __init__(self, magic: MagicFilter) -> None:
        self._magic = magic

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self._magic.resolve(event))

    def __str__(self) -> str:
        return f"Magic({self._magic!r})"


PRIVATE = Magic(F.chat.type == "private")
PRIVATE_BUTTON = Magic(F.message.chat.type == "private")
#: Text that is not a command: what someone types as an answer.
TYPED_TEXT = Magic(F.text & ~F.text.startswith("/"))
