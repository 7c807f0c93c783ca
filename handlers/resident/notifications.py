"""What a resident wants to be sent: asked after a survey, changed with /notifications, all off with /stop.

At the end of each survey: "Do you want to hear what comes of it?" (per round). After their first
completed survey, once: "Shall we tell you about future consultations?". Each yes is stored with the
question's version, the language and the time (see `bot.services.notifications`).
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.db.models import ConsentKind, Contact
from bot.services.answering import Phase, Progress
from bot.services.container import Services
from handlers.callbacks import NotifyAskCb, NotifyToggleCb
from handlers.filters import PRIVATE, PRIVATE_BUTTON
from handlers.keyboards import button, markup
from handlers.resident import screens

KINDS = {"f": ConsentKind.NOTIFY_FUTURE, "r": ConsentKind.NOTIFY_RESULTS}


def _yes_no(kind: str, round_id: int = 0) -> InlineKeyboardMarkup:
    return markup(
        [
            [button(_("Yes, please"), NotifyAskCb(k=kind, r=round_id, ok=True).pack())],
            [button(_("No, thank you"), NotifyAskCb(k=kind, r=round_id, ok=False).pack())],
        ]
    )


async def after_submit(bot: Bot, chat_id: int, progress: object) -> None:
    """Right after the thanks screen: ask whether they want to hear what comes of this round."""
    if not isinstance(progress, Progress) or progress.phase is not Phase.DONE:
        return
    await bot.send_message(
        chat_id,
        _(
            "Would you like me to tell you what the City does with the results of this consultation? "
            "I will write to you once, when they are ready."
        ),
        reply_markup=_yes_no("r", progress.round.id),
    )


async def _ask_future(bot: Bot, chat_id: int, services: Services, contact: Contact) -> None:
    await services.notifications.mark_asked_future(contact)
    await bot.send_message(
        chat_id,
        _(
            "Shall I tell you when the City opens a new consultation? "
            "You can change your mind at any time with /notifications."
        ),
        reply_markup=_yes_no("f"),
    )


async def on_ask_answered(
    query: CallbackQuery,
    callback_data: NotifyAskCb,
    bot: Bot,
    services: Services,
    contact: Contact | None,
    locale: str,
) -> None:
    await query.answer()
    note = query.message if isinstance(query.message, Message) else None
    await screens.settle(note, _("Yes, please") if callback_data.ok else _("No, thank you"))
    if contact is None:
        return
    chat_id = query.from_user.id
    if callback_data.k == "r":
        if callback_data.ok:
            await services.notifications.want_results(contact, callback_data.r, locale)
            await bot.send_message(chat_id, _("Thank you: I will tell you what comes of it."))
        if services.notifications.should_ask_future(contact):
            await _ask_future(bot, chat_id, services, contact)
        return
    await services.notifications.set(contact, ConsentKind.NOTIFY_FUTURE, callback_data.ok, locale)
    if callback_data.ok:
        await bot.send_message(chat_id, _("Thank you: I will tell you about new consultations."))
    else:
        await bot.send_message(chat_id, _("All right: I will not write to you about new consultations."))


def _settings_text(future: bool, results: bool) -> str:
    on, off = _("on"), _("off")
    return "\n".join(
        [
            _("What I may send you:"),
            _("• New consultations: {state}").format(state=on if future else off),
            _("• What comes of the consultations you answered: {state}").format(state=on if results else off),
            "",
            _("Press a button to change it. /stop turns everything off."),
        ]
    )


def _settings_keyboard(future: bool, results: bool) -> InlineKeyboardMarkup:
    return markup(
        [
            [
                button(
                    _("Stop news of new consultations") if future else _("Tell me about new consultations"),
                    NotifyToggleCb(k="f", on=not future).pack(),
                )
            ],
            [
                button(
                    _("Stop results") if results else _("Tell me the results"),
                    NotifyToggleCb(k="r", on=not results).pack(),
                )
            ],
        ]
    )


async def on_notifications(message: Message, services: Services, contact: Contact | None) -> None:
    choices = await services.notifications.choices(contact)
    if contact is None:
        await message.answer(_("I send you nothing: you have not answered any consultation yet."))
        return
    await message.answer(
        _settings_text(choices.future, choices.results),
        reply_markup=_settings_keyboard(choices.future, choices.results),
    )


async def on_toggle(
    query: CallbackQuery,
    callback_data: NotifyToggleCb,
    services: Services,
    contact: Contact | None,
    locale: str,
) -> None:
    kind = KINDS.get(callback_data.k)
    if contact is None or kind is None:
        await query.answer(_("This button no longer works. Send /start to see where you are."))
        return
    await services.notifications.set(contact, kind, callback_data.on, locale)
    choices = await services.notifications.choices(contact)
    await query.answer(_("Saved."))
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _settings_text(choices.future, choices.results),
            reply_markup=_settings_keyboard(choices.future, choices.results),
        )


async def on_stop(message: Message, services: Services, contact: Contact | None, locale: str) -> None:
    if contact is not None:
        await services.notifications.stop_all(contact, locale)
    await message.answer(
        _(
            "Done: I will send you no more messages of my own. I still answer when you write to me. "
            "To change this, send /notifications."
        )
    )


def build_router() -> Router:
    router = Router(name="resident-notifications")
    router.message.filter(PRIVATE)
    router.callback_query.filter(PRIVATE_BUTTON)
    router.message.register(on_notifications, Command("notifications"))
    router.message.register(on_stop, Command("stop"))
    router.callback_query.register(on_ask_answered, NotifyAskCb.filter())
    router.callback_query.register(on_toggle, NotifyToggleCb.filter())
    return router
