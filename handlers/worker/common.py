"""What the worker's handlers share: picking an open round, and small counts shown as "<K"."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot.services.container import Services
from handlers.callbacks import WorkerRoundCb
from handlers.keyboards import button, columns, markup


def shown(count: int, k: int) -> str:
    """A count, or "<K" when it is below the small-count threshold."""
    return f"<{k}" if count < k else str(count)


async def open_round_picker(services: Services, action: str, locale: str) -> InlineKeyboardMarkup | None:
    """Buttons of the rounds open now, newest first; None when there is none."""
    buttons = []
    for rnd, version in await services.rounds.open_now():
        survey = await services.surveys.survey_for(version.id, version.checksum)
        title = rnd.title or survey.title.get(locale)
        buttons.append(button(f"#{rnd.id} {title}", WorkerRoundCb(a=action, r=rnd.id).pack()))
    return markup(columns(buttons, 1)) if buttons else None
