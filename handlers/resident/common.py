"""/start, /help, /language and /privacy."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.db.models import Contact
from bot.languages import NATIVE_NAMES
from bot.services.container import Services
from handlers.callbacks import LanguageCb
from handlers.filters import PRIVATE, PRIVATE_BUTTON
from handlers.keyboards import language_keyboard
from handlers.resident import screens
from handlers.resident.entry import open_round_by_payload, show_open_rounds
from handlers.texts import help_text, privacy_notice


async def on_start_with_payload(
    message: Message,
    command: CommandObject,
    bot: Bot,
    services: Services,
    contact: Contact | None,
    locale: str,
    ctx: AppContext,
    state: FSMContext,
) -> None:
    await open_round_by_payload(
        bot, message.chat.id, command.args or "", services, contact, locale, ctx, state
    )


async def on_start(
    message: Message, bot: Bot, services: Services, contact: Contact | None, locale: str, ctx: AppContext
) -> None:
    assert message.from_user is not None
    await message.answer(
        _(
            "Hello {name}! I am the consultation bot of the City of {city}.\n"
            "The city wants to hear residents before it decides. Your opinion counts.\n"
            "To change the language, send /language."
        ).format(name=message.from_user.first_name, city=ctx.settings.city_name)
    )
    await show_open_rounds(bot, message.chat.id, services, contact, locale)


async def on_help(message: Message) -> None:
    await message.answer(help_text())


async def on_privacy(message: Message, ctx: AppContext) -> None:
    notice = privacy_notice(ctx.settings.city_name)
    await message.answer(notice.rsplit("\n\n", 1)[0])


async def on_language(message: Message, ctx: AppContext) -> None:
    await message.answer(_("Choose your language:"), reply_markup=language_keyboard(ctx.languages))


async def on_language_chosen(
    query: CallbackQuery, callback_data: LanguageCb, bot: Bot, services: Services, ctx: AppContext
) -> None:
    code = callback_data.code
    if code not in ctx.languages:
        await query.answer(_("This language is not available."))
        return
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    contact = await services.contacts.set_language(query.from_user.id, chat_id, code)
    progress = await services.runner.active(contact)
    with I18n.get_current(no_error=False).use_locale(code):
        await query.answer()
        await bot.send_message(
            chat_id,
            _("From now on I will write to you in {language}.").format(language=NATIVE_NAMES.get(code, code)),
        )
        if progress is not None:
            if progress.response.assisted_by is None:  # an interview keeps the resident's language
                progress = await services.runner.set_language(progress, code)
            await screens.show(bot, chat_id, progress, notes=False)


def build_router() -> Router:
    """A new router each time: a router may belong to one dispatcher only."""
    router = Router(name="resident-common")
    router.message.filter(PRIVATE)
    router.callback_query.filter(PRIVATE_BUTTON)
    router.message.register(on_start_with_payload, CommandStart(deep_link=True))
    router.message.register(on_start, CommandStart())
    router.message.register(on_help, Command("help"))
    router.message.register(on_privacy, Command("privacy"))
    router.message.register(on_language, Command("language"))
    router.callback_query.register(on_language_chosen, LanguageCb.filter())
    return router
