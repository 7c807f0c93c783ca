"""/surveys, and survey files sent as documents: checked, then stored as a version (or a texts-only
amendment of one). Nothing is stored from a file with problems; the problems are listed in the chat."""

from __future__ import annotations

import io

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.context import AppContext
from bot.db.models import Role
from bot.services.container import Services
from bot.services.roles import Access
from bot.services.surveys import StoreOutcome
from handlers.filters import Magic
from handlers.staff.common import city_time
from handlers.staff.gate import needs
from handlers.textsplit import split_text
from surveys import SurveyLoadError

STAFF = needs(Role.STAFF)
MAX_BYTES = 256 * 1024
SUFFIXES = (".yaml", ".yml")


async def on_surveys(message: Message, services: Services, ctx: AppContext) -> None:
    versions = await services.surveys.list()
    lines = [_("Surveys (id, version, title, questions, languages):")] if versions else []
    for row in versions:
        survey = await services.surveys.survey_for(row.id, row.checksum)
        questions = sum(1 for q in survey.questions if not q.is_note)
        lines.append(
            f"• {row.slug} v{row.version} — {survey.title.get(ctx.settings.default_locale)} · "
            + ngettext("{n} question", "{n} questions", questions).format(n=questions)
            + f" · {', '.join(survey.languages)} · {city_time(row.updated_at, ctx)}"
        )
    if not versions:
        lines.append(_("No survey is stored yet."))
    lines += [
        "",
        _("To add a survey or a new version, send me its YAML file. Then open a round with /newround."),
    ]
    for chunk in split_text("\n".join(lines)):
        await message.answer(chunk)


async def on_document(message: Message, bot: Bot, services: Services, access: Access) -> None:
    document = message.document
    assert document is not None
    name = document.file_name or "survey.yaml"
    if not name.lower().endswith(SUFFIXES):
        await message.answer(_("This is not a survey file: send a .yaml file (see docs/survey-format.md)."))
        return
    if (document.file_size or 0) > MAX_BYTES:
        await message.answer(
            _("This file is too big for a survey (at most {kb} KB).").format(kb=MAX_BYTES // 1024)
        )
        return
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer)
    try:
        source = buffer.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        await message.answer(_("This file is not UTF-8 text. Save it as UTF-8 and send it again."))
        return
    try:
        stored = await services.surveys.store(source, name)
    except SurveyLoadError as error:
        count = len(error.problems)
        text = ngettext(
            "Nothing was stored: {n} problem in {file}.", "Nothing was stored: {n} problems in {file}.", count
        ).format(n=count, file=name)
        for chunk in split_text(text + "\n\n" + "\n".join(str(p) for p in error.problems)):
            await message.answer(chunk)
        return
    survey, row = stored.survey, stored.row
    if stored.outcome is StoreOutcome.UNCHANGED:
        await message.answer(
            _("Survey {id} version {version} is already stored exactly like this: nothing changed.").format(
                id=survey.id, version=survey.version
            )
        )
        return
    action = "survey.upload" if stored.outcome is StoreOutcome.NEW else "survey.amend"
    await services.audit.record(
        access.actor,
        action,
        f"survey:{row.id}",
        role=access.role,
        detail={"slug": row.slug, "version": row.version},
    )
    questions = sum(1 for q in survey.questions if not q.is_note)
    counted = ngettext("{n} question", "{n} questions", questions).format(n=questions)
    if stored.outcome is StoreOutcome.NEW:
        text = _(
            "Stored: survey {id} version {version}, {questions}, languages {languages}. "
            "Open a round with /newround."
        )
    else:
        text = _(
            "Texts updated: survey {id} version {version} ({questions}, languages {languages}). "
            "Rounds of this version show the new texts from now on."
        )
    languages = ", ".join(survey.languages)
    await message.answer(
        text.format(id=survey.id, version=survey.version, questions=counted, languages=languages)
    )


def build_router() -> Router:
    router = Router(name="staff-surveys")
    router.message.register(on_surveys, Command("surveys"), flags=STAFF)
    router.message.register(on_document, Magic(F.document), flags=STAFF)
    return router
