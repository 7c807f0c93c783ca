"""Sending a survey link with its QR codes and poster, and the keyboard for posters in other languages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiogram import Bot
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.db.models import Link
from bot.languages import NATIVE_NAMES
from bot.services.container import Services
from bot.services.posters import PosterTexts, poster_pdf, poster_texts, poster_title, render_link_files
from handlers.keyboards import button, columns, markup
from handlers.staff.common import deep_link


def translator(ctx: AppContext) -> Callable[[str, str], str]:
    catalogs = ctx.catalogs
    return lambda message, language: str(catalogs.gettext(message, locale=language))


def language_name(code: str) -> str:
    return NATIVE_NAMES.get(code, code)


def poster_keyboard(ctx: AppContext, pack: Callable[[str], str]) -> InlineKeyboardMarkup:
    ordered = [code for code in NATIVE_NAMES if code in ctx.languages]
    ordered += sorted(code for code in ctx.languages if code not in NATIVE_NAMES)
    return markup(columns([button(language_name(code), pack(code)) for code in ordered], 3))


async def _texts(services: Services, ctx: AppContext, link: Link, language: str) -> tuple[str, PosterTexts]:
    """The round's title as staff named it (for the chat), and the poster's texts in `language`."""
    rnd, survey = await services.runner.round_and_survey(link.round_id)
    title = poster_title(rnd.title, survey, language)
    texts = poster_texts(translator(ctx), language, ctx.settings.city_name, title, link.label)
    return rnd.title or survey.title.get(language), texts


async def send_link_files(
    bot: Bot,
    chat_id: int,
    link: Link,
    language: str,
    services: Services,
    ctx: AppContext,
    intro: Callable[[str, str], str],
    pack: Callable[[str], str],
) -> None:
    """The link in text, its QR code as PNG and SVG, the poster in `language`, other languages offered."""
    url = await deep_link(bot, link.code)
    title, texts = await _texts(services, ctx, link, language)
    files = await asyncio.to_thread(render_link_files, texts, url)
    await bot.send_message(chat_id, intro(title, url))
    await bot.send_document(
        chat_id, BufferedInputFile(files.png, f"qr-{link.code}.png"), caption=_("QR code (PNG, to print)")
    )
    await bot.send_document(
        chat_id, BufferedInputFile(files.svg, f"qr-{link.code}.svg"), caption=_("QR code (SVG, any size)")
    )
    await send_poster_pdf(bot, chat_id, link, language, files.pdf)
    await bot.send_message(
        chat_id, _("The poster in another language:"), reply_markup=poster_keyboard(ctx, pack)
    )


async def send_poster(
    bot: Bot, chat_id: int, link: Link, language: str, services: Services, ctx: AppContext
) -> None:
    url = await deep_link(bot, link.code)
    _title, texts = await _texts(services, ctx, link, language)
    pdf = await asyncio.to_thread(poster_pdf, texts, url)
    await send_poster_pdf(bot, chat_id, link, language, pdf)


async def send_poster_pdf(bot: Bot, chat_id: int, link: Link, language: str, pdf: bytes) -> None:
    await bot.send_document(
        chat_id,
        BufferedInputFile(pdf, f"poster-{link.code}-{language}.pdf"),
        caption=_("A4 poster ({language})").format(language=language_name(language)),
    )
