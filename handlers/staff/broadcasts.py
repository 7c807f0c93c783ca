"""/broadcast, /remind, /results and /broadcasts: messages to many residents, through the outbox.

Each command drafts a job and shows a preview and a count; nothing is queued before staff confirm. A job
to more than BROADCAST_APPROVAL_OVER residents waits for a second staff member's approval (four eyes).
Every confirmation, approval and cancellation is audited.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.db.models import DeliveryStatus, JobKind, JobStatus, OutboxJob, Role, Round
from bot.languages import NATIVE_NAMES
from bot.services.container import Services
from bot.services.outbox import Filters, Progress, text_for
from bot.services.roles import Access
from handlers.callbacks import JobCb, ResultsCb, StaffRoundCb
from handlers.filters import TYPED_TEXT, InState, Magic
from handlers.keyboards import button, columns, markup
from handlers.staff.common import deep_link, parse_round, round_picker
from handlers.staff.gate import needs
from surveys import Survey

log = logging.getLogger(__name__)
STAFF = needs(Role.STAFF)
MAX_TEXT = 4096
PROMPTS = {
    "broadcast": lambda: _("Invite residents to which round?"),
    "remind": lambda: _("Remind residents of which round?"),
    "results": lambda: _("Send the results of which round?"),
}


class ResultsFlow(StatesGroup):
    writing = State()


def kind_name(kind: JobKind) -> str:
    return {
        JobKind.BROADCAST: _("invitation"),
        JobKind.REMINDER: _("reminder"),
        JobKind.RESULTS: _("results"),
    }[kind]


def status_name(status: JobStatus) -> str:
    return {
        JobStatus.DRAFT: _("draft"),
        JobStatus.AWAITING_APPROVAL: _("awaiting approval"),
        JobStatus.QUEUED: _("sending"),
        JobStatus.DONE: _("done"),
        JobStatus.CANCELLED: _("cancelled"),
    }[status]


def language_name(code: str) -> str:
    return NATIVE_NAMES.get(code, code)


def parse_filters(words: list[str], languages: frozenset[str]) -> Filters:
    """`lang=fr,ar district=marcinelle` (a bare language code works too)."""
    chosen: list[str] = []
    district = None
    for word in words:
        key, _sep, value = word.partition("=")
        if key in ("district", "quartier") and value:
            district = value.lower()
        elif key in ("lang", "language", "langue") and value:
            chosen += [code for code in value.lower().split(",") if code in languages]
        elif not value and word.lower() in languages:
            chosen.append(word.lower())
    return Filters(tuple(dict.fromkeys(chosen)), district)


def _texts(ctx: AppContext, render: object) -> dict[str, str]:
    """One text per language the bot speaks, rendered in that language."""
    texts = {}
    for language in sorted(ctx.languages):
        with ctx.catalogs.use_locale(language):
            texts[language] = render(language)  # type: ignore[operator]
    return texts


async def _round(services: Services, round_id: int) -> tuple[Round, Survey]:
    return await services.stats.round_and_survey(round_id, include_test=True)


async def _preview(bot: Bot, chat_id: int, services: Services, job: OutboxJob, locale: str) -> None:
    """What residents will read (in the staff member's language), how many, and Confirm / Cancel."""
    count = await services.outbox.count(job)
    if job.attachment_file_id is not None:
        if job.attachment_kind == "photo":
            await bot.send_photo(chat_id, job.attachment_file_id)
        else:
            await bot.send_document(chat_id, job.attachment_file_id)
    await bot.send_message(chat_id, text_for(job, locale))
    if count == 0:
        await services.outbox.cancel(job.id)
        await bot.send_message(chat_id, _("Nobody would receive this message: nothing was queued."))
        return
    lines = [
        _("Preview above ({language}). It will be sent to {n} residents, each in their language.").format(
            language=language_name(locale), n=count
        )
    ]
    filters = Filters.from_json(job.filters)
    if filters.languages:
        lines.append(_("Languages: {list}").format(list=", ".join(filters.languages)))
    if filters.district:
        lines.append(_("District: {code}").format(code=filters.district))
    keyboard = markup(
        [
            [button(_("Send to {n} residents").format(n=count), JobCb(a="ok", j=job.id).pack())],
            [button(_("Cancel"), JobCb(a="no", j=job.id).pack())],
        ]
    )
    await bot.send_message(chat_id, "\n".join(lines), reply_markup=keyboard)


async def start(
    action: str,
    chat_id: int,
    round_id: int,
    words: list[str],
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
    state: FSMContext,
    locale: str,
) -> None:
    rnd, survey = await _round(services, round_id)
    link = await deep_link(bot, rnd.payload)
    default = ctx.settings.default_locale

    def title(language: str) -> str:
        return rnd.title or survey.title.get(language)

    if action == "results":
        await state.set_state(ResultsFlow.writing)
        await state.set_data({"round": rnd.id, "lang": default, "texts": {}, "attachment": None})
        await _ask_text(bot, chat_id, rnd.id, default, await services.notifications.results_links(rnd.id))
        return
    if action == "broadcast":
        texts = _texts(
            ctx,
            lambda language: _(
                "The City of {city} would like your opinion: {title}\n"
                "It takes a few minutes. Press the button to take part."
            ).format(city=ctx.settings.city_name, title=title(language)),
        )
        labels = _texts(ctx, lambda _language: _("Take part"))
        kind, filters = JobKind.BROADCAST, parse_filters(words, ctx.languages)
    else:
        texts = _texts(
            ctx,
            lambda language: _(
                "You started the consultation “{title}” but have not sent your answers yet. "
                "You can go on where you stopped: press the button."
            ).format(title=title(language)),
        )
        labels = _texts(ctx, lambda _language: _("Continue"))
        kind, filters = JobKind.REMINDER, Filters()
    job = await services.outbox.draft(
        kind,
        rnd.id,
        texts,
        by=access.actor,
        default_language=default,
        filters=filters,
        button_labels=labels,
        button_url=link,
    )
    await _preview(bot, chat_id, services, job, locale)


async def on_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
    state: FSMContext,
    locale: str,
) -> None:
    round_id, words = parse_round(command.args)
    if round_id is None:
        text, keyboard = await round_picker(services, command.command, PROMPTS[command.command]())
        await message.answer(text, reply_markup=keyboard)
        return
    await start(command.command, message.chat.id, round_id, words, bot, services, access, ctx, state, locale)


async def on_pick(
    query: CallbackQuery,
    callback_data: StaffRoundCb,
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
    state: FSMContext,
    locale: str,
) -> None:
    await query.answer()
    await start(
        callback_data.a, query.from_user.id, callback_data.r, [], bot, services, access, ctx, state, locale
    )


# --- /results: the staff's own message, per language -------------------------------------------------


async def _ask_text(bot: Bot, chat_id: int, round_id: int, language: str, linked: int) -> None:
    await bot.send_message(
        chat_id,
        _(
            "Write the message for residents who read {language}: what the City heard and what it will do. "
            "It goes to the residents who completed round {id} and asked to hear what comes of it "
            "(now {n})."
        ).format(language=language_name(language), id=round_id, n=linked),
    )


def _compose_keyboard(ctx: AppContext, written: dict[str, str]) -> InlineKeyboardMarkup:
    others = [
        button(language_name(code), ResultsCb(a="lang", lang=code).pack())
        for code in sorted(ctx.languages)
        if code not in written
    ]
    rows = columns(others, 3)
    rows.append([button(_("Preview and send"), ResultsCb(a="preview").pack())])
    return markup(rows)


async def on_results_text(message: Message, state: FSMContext, ctx: AppContext) -> None:
    data = await state.get_data()
    text = (message.text or "").strip()
    if len(text) > MAX_TEXT:
        await message.answer(_("This is too long for one Telegram message: please shorten it."))
        return
    texts = {**data.get("texts", {}), data["lang"]: text}
    await state.update_data(texts=texts)
    await message.answer(
        _(
            "Saved ({language}). Add another language (residents without theirs get the {default} text), "
            "send a chart or a document to attach it, or preview."
        ).format(language=language_name(data["lang"]), default=language_name(ctx.settings.default_locale)),
        reply_markup=_compose_keyboard(ctx, texts),
    )


async def on_results_attachment(message: Message, state: FSMContext, ctx: AppContext) -> None:
    if message.photo:
        attachment = ["photo", message.photo[-1].file_id]
    elif message.document is not None:
        attachment = ["document", message.document.file_id]
    else:
        return
    await state.update_data(attachment=attachment)
    data = await state.get_data()
    await message.answer(_("Attached."), reply_markup=_compose_keyboard(ctx, data.get("texts", {})))


async def on_results_step(
    query: CallbackQuery,
    callback_data: ResultsCb,
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
    state: FSMContext,
    locale: str,
) -> None:
    await query.answer()
    data = await state.get_data()
    chat_id = query.from_user.id
    if "round" not in data:
        await bot.send_message(chat_id, _("Start again with /results <round>."))
        return
    default = ctx.settings.default_locale
    if callback_data.a == "lang" and callback_data.lang in ctx.languages:
        await state.update_data(lang=callback_data.lang)
        linked = await services.notifications.results_links(data["round"])
        await _ask_text(bot, chat_id, data["round"], callback_data.lang, linked)
        return
    texts: dict[str, str] = data.get("texts", {})
    if default not in texts:
        await state.update_data(lang=default)
        await bot.send_message(
            chat_id,
            _("First write the {language} text: everyone else gets it when theirs is missing.").format(
                language=language_name(default)
            ),
        )
        return
    attachment = data.get("attachment")
    job = await services.outbox.draft(
        JobKind.RESULTS,
        data["round"],
        texts,
        by=access.actor,
        default_language=default,
        attachment=(attachment[0], attachment[1]) if attachment else None,
    )
    await state.clear()
    await _preview(bot, chat_id, services, job, locale)


# --- confirm, approve, cancel, and /broadcasts ---------------------------------------------------------


async def on_job(
    query: CallbackQuery,
    callback_data: JobCb,
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
) -> None:
    await query.answer()
    chat_id = query.from_user.id
    outbox = services.outbox
    action, job_id = callback_data.a, callback_data.j
    note = query.message if isinstance(query.message, Message) else None
    if note is not None:
        try:
            await note.edit_reply_markup(reply_markup=None)
        except TelegramAPIError:
            log.debug("could not take the buttons off a job message")
    target = f"job:{job_id}"
    if action == "ok":
        job = await outbox.confirm(job_id)
        detail = {"kind": job.kind.value, "round": job.round_id, "total": job.total, "filters": job.filters}
        await services.audit.record(access.actor, "outbox.confirm", target, role=access.role, detail=detail)
        if job.status is JobStatus.AWAITING_APPROVAL:
            await bot.send_message(
                chat_id,
                _(
                    "Job #{id}: {n} residents, more than {limit}. Another staff member must approve it "
                    "in /broadcasts before it is sent; they have been told."
                ).format(id=job.id, n=job.total, limit=ctx.settings.broadcast_approval_over),
            )
            await _ask_approval(bot, services, job, chat_id)
        else:
            await bot.send_message(
                chat_id,
                _("Job #{id} queued: {n} messages. Follow it with /broadcasts.").format(
                    id=job.id, n=job.total
                ),
            )
    elif action == "no":
        await outbox.cancel(job_id)
        await services.audit.record(access.actor, "outbox.discard", target, role=access.role)
        await bot.send_message(chat_id, _("Cancelled: nothing was sent."))
    elif action == "approve":
        job = await outbox.approve(job_id, access.actor)
        await services.audit.record(access.actor, "outbox.approve", target, role=access.role)
        await bot.send_message(chat_id, _("Job #{id} approved: sending starts.").format(id=job.id))
    elif action == "cancel":
        await outbox.cancel(job_id)
        await services.audit.record(access.actor, "outbox.cancel", target, role=access.role)
        await bot.send_message(
            chat_id, _("Job #{id} cancelled. Messages already sent stay sent.").format(id=job_id)
        )


async def _ask_approval(bot: Bot, services: Services, job: OutboxJob, own_chat: int) -> None:
    text = _(
        "Job #{id} ({kind}, round {round}, {n} residents) needs a second staff member's approval: "
        "see /broadcasts."
    ).format(id=job.id, kind=kind_name(job.kind), round=job.round_id, n=job.total)
    for chat, _language in await services.roles.staff_chats():
        if chat == own_chat:
            continue
        try:
            await bot.send_message(chat, text)
        except TelegramAPIError as exc:
            log.info("could not ask a colleague for approval: %s", exc)


def progress_line(progress: Progress) -> str:
    job = progress.job
    counts = _("queued {queued} · sent {sent} · failed {failed} · blocked {blocked}").format(
        queued=progress.count(DeliveryStatus.QUEUED) + progress.count(DeliveryStatus.SENDING),
        sent=progress.count(DeliveryStatus.SENT),
        failed=progress.count(DeliveryStatus.FAILED),
        blocked=progress.count(DeliveryStatus.BLOCKED),
    )
    return (
        f"#{job.id} {kind_name(job.kind)} · "
        + _("round {id}").format(id=job.round_id)
        + (f" · {status_name(job.status)}\n   {counts}")
    )


async def on_broadcasts(message: Message, services: Services, access: Access) -> None:
    jobs = await services.outbox.recent()
    if not jobs:
        await message.answer(_("No messages have been sent yet. Use /broadcast, /remind or /results."))
        return
    rows = []
    for progress in jobs:
        job = progress.job
        if job.status is JobStatus.AWAITING_APPROVAL and job.created_by != access.actor:
            rows.append([button(_("Approve #{id}").format(id=job.id), JobCb(a="approve", j=job.id).pack())])
        if job.status in (JobStatus.AWAITING_APPROVAL, JobStatus.QUEUED):
            rows.append([button(_("Cancel #{id}").format(id=job.id), JobCb(a="cancel", j=job.id).pack())])
    text = _("Messages to residents (newest first):") + "\n" + "\n".join(progress_line(p) for p in jobs)
    await message.answer(text, reply_markup=markup(rows) if rows else None)


def build_router() -> Router:
    router = Router(name="staff-broadcasts")
    router.message.register(on_command, Command("broadcast", "remind", "results"), flags=STAFF)
    router.message.register(on_broadcasts, Command("broadcasts"), flags=STAFF)
    router.callback_query.register(on_pick, StaffRoundCb.filter(F.a.in_(set(PROMPTS))), flags=STAFF)
    router.callback_query.register(on_job, JobCb.filter(), flags=STAFF)
    router.callback_query.register(on_results_step, ResultsCb.filter(), flags=STAFF)
    router.message.register(
        on_results_text,
        TYPED_TEXT,
        InState(ResultsFlow.writing),
        flags=STAFF,
    )
    router.message.register(
        on_results_attachment, Magic(F.photo | F.document), InState(ResultsFlow.writing), flags=STAFF
    )
    return router
