"""Sending a resident the screen they are on: intro, notes, question, review, thanks."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import EditMessageReplyMarkup, EditMessageText
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.services.answering import NeedsPrivacy, Phase, Progress
from handlers.callbacks import PrivacyCb
from handlers.keyboards import button, markup
from handlers.resident import render
from handlers.texts import privacy_notice
from handlers.textsplit import split_text
from surveys import Ask

log = logging.getLogger(__name__)


async def send(bot: Bot, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Send a text of any length; the keyboard goes with the last part."""
    chunks = split_text(text)
    for chunk in chunks[:-1]:
        await bot.send_message(chat_id, chunk)
    await bot.send_message(chat_id, chunks[-1], reply_markup=keyboard)


async def show(bot: Bot, chat_id: int, progress: Progress, *, notes: bool = True) -> None:
    """The current screen, after the survey's description (first time) and the notes before it."""
    if progress.fresh:
        await send(bot, chat_id, render.intro_text(progress))
    step = progress.step
    if progress.phase is Phase.DONE:
        await send(bot, chat_id, render.thanks_text(progress))
        return
    if notes:
        for note in step.notes:
            await send(bot, chat_id, render.survey_text(note.label, progress.language))
    if isinstance(step, Ask):
        await send(bot, chat_id, render.question_text(progress), render.question_keyboard(progress))
    else:
        await send(bot, chat_id, render.review_text(progress), render.review_keyboard(progress))


async def show_submitted(bot: Bot, chat_id: int, progress: Progress) -> None:
    await send(bot, chat_id, _("You have already answered this consultation. Thank you!"))
    await send(bot, chat_id, render.submitted_text(progress))


async def ask_privacy(bot: Bot, chat_id: int, needs: NeedsPrivacy, city: str, language: str) -> None:
    title = needs.round.title or needs.survey.title.get(language)
    keyboard = markup(
        [
            [button(_("Yes, I agree"), PrivacyCb(r=needs.round.id, ok=True).pack())],
            [button(_("No, thank you"), PrivacyCb(r=needs.round.id, ok=False).pack())],
        ]
    )
    await send(bot, chat_id, title + "\n\n" + privacy_notice(city), keyboard)


Settle = EditMessageText | EditMessageReplyMarkup


def settling(message: Message | None, tail: str | None = None) -> Settle | None:
    """The edit that takes the buttons off a message the resident has just used, noting their answer
    under it."""
    if message is None:
        return None
    if tail and message.text is not None:
        text = message.text + "\n\n✓ " + tail
        if len(text) <= 4096:
            return message.edit_text(text, reply_markup=None)
    return message.edit_reply_markup(reply_markup=None)


async def settle(message: Message | None, tail: str | None = None) -> None:
    """Settle the message now (`settling`)."""
    edit = settling(message, tail)
    if edit is None:
        return
    try:
        await edit
    except TelegramBadRequest as exc:  # already edited, too old, or deleted: nothing to tidy
        log.debug("could not settle a message: %s", exc)
