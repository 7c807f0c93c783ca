"""Answering a round: buttons, typed answers, Back, Skip, the review and Submit."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.db.models import Contact
from bot.services.answering import REVIEW, Phase, Progress, Rejected, StaleButton
from bot.services.container import Services
from handlers.callbacks import AnswerCb, NavCb, OpenRoundCb, PrivacyCb
from handlers.filters import PRIVATE, PRIVATE_BUTTON, Magic
from handlers.resident import notifications, render, screens
from handlers.resident.entry import enter_round
from handlers.worker import assist
from surveys import QuestionType

TYPED = {QuestionType.TEXT, QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.DATE}


def _message(query: CallbackQuery) -> Message | None:
    """The message a button sits on, when Telegram still lets us edit it."""
    return query.message if isinstance(query.message, Message) else None


def _chat_id(query: CallbackQuery) -> int:
    return query.message.chat.id if query.message is not None else query.from_user.id


async def _stale(query: CallbackQuery, bot: Bot, error: StaleButton) -> None:
    await query.answer(_(error.user_message))
    await screens.show(bot, _chat_id(query), error.progress, notes=False)


async def _after(
    bot: Bot, chat_id: int, result: Progress | Rejected, note: Message | None, tail: str | None
) -> screens.Settle | None:
    """Show what comes next. The used question is settled by the edit returned, which the handler gives
    back as its webhook answer: Telegram makes it after the update is saved, and the bot makes one
    Bot API call fewer per answer (bench/RESULTS.md §1). Its outcome is not needed: a message that can
    no longer be edited is left as it is. (Polling: aiogram makes the call itself.)"""
    if isinstance(result, Rejected):
        await bot.send_message(chat_id, render.invalid_text(result.error, result.progress.language))
        await screens.show(bot, chat_id, result.progress, notes=False)
        return None
    await screens.show(bot, chat_id, result)
    return screens.settling(note, tail)


async def on_open_round(
    query: CallbackQuery,
    callback_data: OpenRoundCb,
    bot: Bot,
    services: Services,
    contact: Contact | None,
    locale: str,
    ctx: AppContext,
    state: FSMContext,
) -> None:
    await query.answer()
    await enter_round(bot, _chat_id(query), callback_data.r, services, contact, locale, ctx, state)


async def on_privacy(
    query: CallbackQuery,
    callback_data: PrivacyCb,
    bot: Bot,
    services: Services,
    locale: str,
    ctx: AppContext,
    state: FSMContext,
) -> None:
    await query.answer()
    chat_id = _chat_id(query)
    if not callback_data.ok:
        await screens.settle(_message(query), _("No, thank you"))
        await bot.send_message(
            chat_id, _("No problem: nothing was stored. If you change your mind, send /start.")
        )
        return
    contact = await services.contacts.ensure(query.from_user.id, chat_id, locale)
    await services.privacy.acknowledge(contact, locale)
    await screens.settle(_message(query), _("Yes, I agree"))
    await enter_round(bot, chat_id, callback_data.r, services, contact, locale, ctx, state)


async def on_answer(
    query: CallbackQuery, callback_data: AnswerCb, bot: Bot, services: Services, contact: Contact | None
) -> screens.Settle | None:
    runner = services.runner
    try:
        progress = await runner.load(contact, callback_data.r, callback_data.q)
        question = progress.question
        if question is None or progress.phase is Phase.OTHER_TEXT:
            raise StaleButton(progress)
        if question.type is QuestionType.SCALE:
            choice: str | int = callback_data.c
        elif 0 <= callback_data.c < len(question.choice_ids):
            choice = question.choice_ids[callback_data.c]
        else:
            raise StaleButton(progress)
        if question.type is QuestionType.SELECT_MULTIPLE:
            progress = await runner.toggle(progress, str(choice))
            await query.answer()
            note = _message(query)
            if note is not None:
                await note.edit_reply_markup(reply_markup=render.question_keyboard(progress))
            return None
        value: Any = choice
        if question.type is QuestionType.RANK:
            value = [*progress.selection, choice]
            result = await runner.rank_pick(progress, str(choice))
            if (
                isinstance(result, Progress)
                and result.question is not None
                and result.question.id == question.id
            ):
                await query.answer()
                await _redraw(query, result)
                return None
        else:
            result = await runner.choose(progress, choice)
    except StaleButton as error:
        await _stale(query, bot, error)
        return None
    await query.answer()
    tail = render.format_value(progress.survey, question, value, None, progress.language)
    return await _after(bot, _chat_id(query), result, _message(query), tail)


async def _redraw(query: CallbackQuery, progress: Progress) -> None:
    note = _message(query)
    if note is not None:
        await note.edit_text(render.question_text(progress), reply_markup=render.question_keyboard(progress))


async def on_nav(
    query: CallbackQuery, callback_data: NavCb, bot: Bot, services: Services, contact: Contact | None
) -> screens.Settle | None:
    runner = services.runner
    action = callback_data.a
    chat_id = _chat_id(query)
    try:
        progress = await runner.load(contact, callback_data.r, callback_data.q)
        if action == "page":
            await query.answer()
            note = _message(query)
            if note is not None and progress.question is not None:
                await note.edit_reply_markup(reply_markup=render.question_keyboard(progress, callback_data.p))
            return None
        if action == "redo":
            await query.answer()
            await _redraw(query, await runner.rank_restart(progress))
            return None
        result: Progress | Rejected
        tail: str | None = None
        if action == "back":
            result = await runner.back(progress)
        elif action == "skip":
            result = await runner.skip(progress)
            tail = _("(skipped)")
        elif action == "done":
            result = await runner.finish_selection(progress)
            if isinstance(result, Progress) and progress.question is not None:
                tail = render.format_value(
                    progress.survey, progress.question, list(progress.selection), None, progress.language
                )
        elif (
            action == "edit"
            and callback_data.q == REVIEW
            and 0 <= callback_data.p < len(progress.survey.questions)
        ):
            result = await runner.change(progress, progress.survey.questions[callback_data.p].id)
        elif action == "submit":
            result = await runner.submit(progress)
            tail = _("Sent")
        else:
            raise StaleButton(progress)
    except StaleButton as error:
        await _stale(query, bot, error)
        return None
    await query.answer()
    settle = await _after(bot, chat_id, result, _message(query), tail)
    if action == "submit" and isinstance(result, Progress) and result.response.assisted:
        review = _message(query)
        await assist.after_submit(bot, chat_id, services, result, review.message_id if review else None)
    elif action == "submit":
        await notifications.after_submit(bot, chat_id, result)
    return settle


class ActiveSurvey(Filter):
    """Passes when the resident has a round in progress, handing the handler its `progress`."""

    async def __call__(
        self, message: Message, services: Services, contact: Contact | None
    ) -> bool | dict[str, Any]:
        progress = await services.runner.active(contact)
        return {"progress": progress} if progress is not None else False


async def on_edited(message: Message) -> None:
    await message.answer(
        _("I saw that you edited a message. Editing does not change your answers: use « Back to change one.")
    )


async def on_typed(message: Message, bot: Bot, services: Services, progress: Progress) -> None:
    question = progress.question
    expects_text = question is not None and (question.type in TYPED or progress.phase is Phase.OTHER_TEXT)
    if progress.phase is Phase.REVIEW or question is None:
        await message.answer(_("Please use the buttons to check and send your answers."))
        await screens.show(bot, message.chat.id, progress, notes=False)
        return
    if message.forward_origin is not None:
        await message.answer(_("Please write your own answer: a forwarded message can't be an answer."))
        await screens.show(bot, message.chat.id, progress, notes=False)
        return
    if message.voice is not None and question.accept_voice and progress.phase is Phase.QUESTION:
        voice = await services.runner.voice_answer(
            progress, message.voice.file_id, message.voice.duration, message.message_id
        )
        await _after(bot, message.chat.id, voice, None, None)  # nothing to settle: no button was used
        return
    if message.text is None:
        if expects_text:
            await message.answer(_("Please type your answer as text."))
        else:
            await message.answer(_("Please answer with the buttons under the question."))
        await screens.show(bot, message.chat.id, progress, notes=False)
        return
    result = await services.runner.type_answer(progress, message.text, message.message_id)
    await _after(bot, message.chat.id, result, None, None)


def build_button_router() -> Router:
    """The survey's buttons: most of what the bot receives. Their callback data is the survey's own, so
    this router can be met first, before the routers that would each turn a survey button away."""
    router = Router(name="resident-survey-buttons")
    router.callback_query.filter(PRIVATE_BUTTON)
    # Each button is tried against these in turn: the most frequent first.
    router.callback_query.register(on_answer, AnswerCb.filter())
    router.callback_query.register(on_nav, NavCb.filter())
    router.callback_query.register(on_open_round, OpenRoundCb.filter())
    router.callback_query.register(on_privacy, PrivacyCb.filter())
    return router


def build_router() -> Router:
    """Typed answers: after the commands and the staff's conversations. A new router each time: a router
    may belong to one dispatcher only."""
    router = Router(name="resident-survey")
    router.message.filter(PRIVATE)
    router.edited_message.filter(PRIVATE)
    router.edited_message.register(on_edited)
    router.message.register(on_typed, Magic(~F.text.startswith("/")), ActiveSurvey())
    return router
