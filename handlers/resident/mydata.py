"""/mydata and /forget: a resident sees everything kept about them, or has it deleted."""

from __future__ import annotations

import json

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.db.models import Contact
from bot.services.container import Services
from handlers.callbacks import ForgetCb
from handlers.filters import PRIVATE, PRIVATE_BUTTON
from handlers.keyboards import button, markup
from handlers.resident import screens


async def on_mydata(message: Message, services: Services, contact: Contact | None) -> None:
    if contact is None:
        await message.answer(_("I keep nothing about you: you have not answered any consultation."))
        return
    data = await services.personal_data.export(contact)
    responses = data["responses"]
    completed = sum(1 for r in responses if r["status"] == "completed")
    notices = sum(1 for c in data["consents"] if c["kind"] == "privacy_notice")  # /notifications has the rest
    summary = [
        _("This is everything I keep about you:"),
        _("• your Telegram account number and your language ({language}), to write to you;").format(
            language=contact.language or "-"
        ),
        ngettext("• {n} privacy notice you accepted;", "• {n} privacy notices you accepted;", notices).format(
            n=notices
        ),
        ngettext(
            "• {n} consultation you took part in ({done} sent), with your answers.",
            "• {n} consultations you took part in ({done} sent), with your answers.",
            len(responses),
        ).format(n=len(responses), done=completed),
        "",
        _("The file below contains all of it. To delete it, send /forget."),
    ]
    await message.answer("\n".join(summary))
    document = json.dumps(data, ensure_ascii=False, indent=2).encode()
    await message.answer_document(BufferedInputFile(document, filename="my-data.json"))


async def on_forget(message: Message, contact: Contact | None) -> None:
    if contact is None:
        await message.answer(_("I keep nothing about you: there is nothing to delete."))
        return
    keyboard = markup(
        [
            [button(_("Yes, delete my data"), ForgetCb(ok=True).pack())],
            [button(_("No, keep it"), ForgetCb(ok=False).pack())],
        ]
    )
    await message.answer(
        _(
            "Do you want me to delete everything I keep about you?\n"
            "Answers you have not sent yet are deleted. Answers you have already sent stay in the results, "
            "but nothing will link them to you any more. I will not write to you again."
        ),
        reply_markup=keyboard,
    )


async def on_forget_confirmed(
    query: CallbackQuery,
    callback_data: ForgetCb,
    bot: Bot,
    services: Services,
    contact: Contact | None,
    state: FSMContext,
) -> None:
    await query.answer()
    note = query.message if isinstance(query.message, Message) else None
    if not callback_data.ok:
        await screens.settle(note, _("No, keep it"))
        await bot.send_message(query.from_user.id, _("Nothing was deleted."))
        return
    if contact is not None:
        await services.personal_data.forget(contact)
    await state.clear()
    await screens.settle(note, _("Yes, delete my data"))
    await bot.send_message(
        query.from_user.id,
        _("Your data has been deleted. Thank you for taking part. If you write to me again, I start afresh."),
    )


def build_router() -> Router:
    router = Router(name="resident-mydata")
    router.message.filter(PRIVATE)
    router.callback_query.filter(PRIVATE_BUTTON)
    router.message.register(on_mydata, Command("mydata"))
    router.message.register(on_forget, Command("forget"))
    router.callback_query.register(on_forget_confirmed, ForgetCb.filter())
    return router
