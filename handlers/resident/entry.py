"""Ways into a round: the list of open rounds, a deep link, the privacy notice."""

from __future__ import annotations

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.db.models import Contact
from bot.errors import LinkUnavailable, RoundClosed, RoundNotFound, RoundNotOpenYet
from bot.services.answering import NeedsPrivacy, Phase
from bot.services.container import Services
from bot.services.links import is_link
from handlers.callbacks import OpenRoundCb
from handlers.keyboards import button, markup
from handlers.resident import screens

SOURCE_KEY = "source:{round_id}"


async def show_open_rounds(
    bot: Bot, chat_id: int, services: Services, contact: Contact | None, locale: str
) -> None:
    rounds = await services.rounds.open_now()
    active = await services.runner.active(contact)
    rows = []
    if active is not None:
        title = active.round.title or active.survey.title.get(locale)
        rows.append(
            [button(_("▶️ Continue: {title}").format(title=title), OpenRoundCb(r=active.round.id).pack())]
        )
    for rnd, version in rounds:
        if active is not None and rnd.id == active.round.id:
            continue
        survey = await services.surveys.survey_for(version.id, version.checksum)
        rows.append([button(rnd.title or survey.title.get(locale), OpenRoundCb(r=rnd.id).pack())])
    if not rows:
        await bot.send_message(chat_id, _("There is no consultation open right now. Please come back later!"))
        return
    await bot.send_message(chat_id, _("Choose a consultation:"), reply_markup=markup(rows))


async def enter_round(
    bot: Bot,
    chat_id: int,
    round_id: int,
    services: Services,
    contact: Contact | None,
    locale: str,
    ctx: AppContext,
    state: FSMContext,
    source: str | None = None,
) -> None:
    """Show the round's privacy notice, or its current screen. The first link a resident opened for the
    round is the one remembered (kept in their state until the response exists, which keeps it for good)."""
    remembered = (await state.get_data()).get(SOURCE_KEY.format(round_id=round_id))
    source = remembered or source
    try:
        outcome = await services.runner.enter(contact, round_id, locale, source)
    except (RoundClosed, RoundNotOpenYet, RoundNotFound) as error:
        await bot.send_message(chat_id, _(error.user_message))
        await show_open_rounds(bot, chat_id, services, contact, locale)
        return
    if isinstance(outcome, NeedsPrivacy):
        if source is not None and remembered is None:
            await state.update_data({SOURCE_KEY.format(round_id=round_id): source})
        await screens.ask_privacy(bot, chat_id, outcome, ctx.settings.city_name, locale)
        return
    if outcome.phase is Phase.DONE:
        await screens.show_submitted(bot, chat_id, outcome)
        return
    await screens.show(bot, chat_id, outcome)


async def open_round_by_payload(
    bot: Bot,
    chat_id: int,
    payload: str,
    services: Services,
    contact: Contact | None,
    locale: str,
    ctx: AppContext,
    state: FSMContext,
) -> None:
    if is_link(payload):
        try:
            link = await services.links.resolve(payload)
        except LinkUnavailable as error:
            await bot.send_message(chat_id, _(error.user_message))
            await show_open_rounds(bot, chat_id, services, contact, locale)
            return
        await enter_round(
            bot, chat_id, link.round_id, services, contact, locale, ctx, state, source=link.code
        )
        return
    rnd = await services.rounds.by_payload(payload) if payload else None
    if rnd is None:
        await bot.send_message(chat_id, _(RoundNotFound.user_message))
        await show_open_rounds(bot, chat_id, services, contact, locale)
        return
    await enter_round(bot, chat_id, rnd.id, services, contact, locale, ctx, state, source=payload)
