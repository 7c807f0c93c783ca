"""Routers that cannot take a button skip it at once.

aiogram offers a button (a callback query) to every router in turn, and each router tries each of its
handlers' filters: a resident's answer met about twenty-five callback-data filters (the staff's, the
workers') before the survey's. Each router here gets a root filter with the callback-data prefixes its
handlers (and its children's) accept, so a button only visits the routers that could take it
(bench/RESULTS.md §1). A router with a handler for any button (the fallback) is left as it is.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery

SEPARATOR = ":"


class ButtonPrefixes(Filter):
    def __init__(self, prefixes: frozenset[str]) -> None:
        self.prefixes = prefixes

    async def __call__(self, query: CallbackQuery) -> bool:
        return (query.data or "").partition(SEPARATOR)[0] in self.prefixes

    def __str__(self) -> str:
        return f"ButtonPrefixes({sorted(self.prefixes)})"


def narrow_buttons(router: Router) -> frozenset[str] | None:
    """Give `router` and its sub-routers their root filter; the prefixes the router accepts, or None when
    it accepts buttons it cannot name in advance (then neither it nor its parents are narrowed)."""
    prefixes: set[str] = set()
    anything = False
    for child in router.sub_routers:
        accepted = narrow_buttons(child)
        if accepted is None:
            anything = True
        else:
            prefixes |= accepted
    for handler in router.callback_query.handlers:
        named = [
            f.callback.callback_data
            for f in handler.filters or ()
            if isinstance(f.callback, CallbackQueryFilter)
        ]
        if not named or any(data.__separator__ != SEPARATOR for data in named):
            anything = True
        else:
            prefixes.update(data.__prefix__ for data in named)
    if anything:
        return None
    accepted = frozenset(prefixes)
    router.callback_query.filter(ButtonPrefixes(accepted))
    return accepted
