"""/newround: survey version → title → opens → closes → link code → test or live → preview → confirm.

Each step offers buttons; dates and texts may be typed instead. Nothing is stored before the confirmation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.db.models import Role, SurveyVersion
from bot.errors import StaleAction
from bot.services.container import Services
from bot.services.roles import Access
from bot.services.round_admin import target
from bot.services.rounds import PAYLOAD_PATTERN, payload_from_slug
from handlers.callbacks import NewRoundCb
from handlers.filters import TYPED_TEXT, InState
from handlers.keyboards import button, columns, markup
from handlers.staff.common import city_time
from handlers.staff.gate import needs
from handlers.staff.rounds import describe
from surveys import missing_translations

STAFF = needs(Role.STAFF)
CLOSING_CHOICES = (7, 14, 28)


class NewRound(StatesGroup):
    title = State()
    opens = State()
    closes = State()
    payload = State()
    test = State()
    confirm = State()


def cb(step: str, value: int = 0) -> str:
    return NewRoundCb(a=step, v=value).pack()


def parse_when(text: str, ctx: AppContext) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=ctx.settings.tz)


async def on_newround(message: Message, services: Services, state: FSMContext) -> None:
    await state.clear()
    versions = await services.surveys.list()
    if not versions:
        await message.answer(_("No survey is stored yet: send me a survey file (.yaml) first."))
        return
    buttons = [button(f"{v.slug} v{v.version}", cb("survey", v.id)) for v in reversed(versions)]
    await message.answer(_("New round: which survey version?"), reply_markup=markup(columns(buttons, 1)))


async def _version(services: Services, data: dict[str, Any]) -> SurveyVersion:
    row = await services.session.get(SurveyVersion, int(data.get("survey", 0)))
    if row is None:
        raise StaleAction()
    return row


async def ask(
    step: State, chat_id: int, bot: Bot, services: Services, ctx: AppContext, state: FSMContext
) -> None:
    """Show the question of a step (and remember that we are at it)."""
    await state.set_state(step)
    data = await state.get_data()
    version = await _version(services, data)
    survey = await services.surveys.survey_for(version.id, version.checksum)
    keyboard: InlineKeyboardMarkup | None = None
    if step == NewRound.title:
        text = _("Title of the round? Type it, or keep the survey's title.")
        keyboard = markup([[button(survey.title.get(ctx.settings.default_locale), cb("title"))]])
    elif step == NewRound.opens:
        text = _("When does it open? Press Now or type a date (YYYY-MM-DD or YYYY-MM-DD HH:MM, city time).")
        keyboard = markup([[button(_("Now"), cb("opens"))]])
    elif step == NewRound.closes:
        text = _("When does it close? Press a button or type a date (YYYY-MM-DD HH:MM, city time).")
        choices = [button(_("In {n} days").format(n=n), cb("closes", n)) for n in CLOSING_CHOICES]
        keyboard = markup([choices, [button(_("No end date"), cb("closes"))]])
    elif step == NewRound.payload:
        suggested = await _free_payload(services, payload_from_slug(version.slug))
        await state.update_data(suggested=suggested)
        text = _("Link code (after ?start=)? Keep the suggestion or type one: letters, digits and _.")
        keyboard = markup([[button(suggested, cb("payload"))]])
    elif step == NewRound.test:
        text = _("A live round, or a test round (its answers are left out of figures and exports)?")
        keyboard = markup([[button(_("Live round"), cb("test", 0)), button(_("Test round"), cb("test", 1))]])
    else:
        text = await _preview(data, version, ctx)
        keyboard = markup([[button(_("Open the round"), cb("confirm")), button(_("Cancel"), cb("cancel"))]])
    await bot.send_message(chat_id, text, reply_markup=keyboard)


async def _free_payload(services: Services, base: str) -> str:
    candidate, n = base, 1
    while await services.rounds.by_payload(candidate) is not None:
        n += 1
        candidate = f"{base}_{n}"
    return candidate


async def _preview(data: dict[str, Any], version: SurveyVersion, ctx: AppContext) -> str:
    opens = datetime.fromisoformat(data["opens"]) if data.get("opens") else None
    closes = datetime.fromisoformat(data["closes"]) if data.get("closes") else None
    lines = [
        _("Please check the new round:"),
        _("Survey: {id} version {version}").format(id=version.slug, version=version.version),
        _("Title: {title}").format(title=data.get("title") or _("the survey's title")),
        _("Opens: {when}").format(when=city_time(opens, ctx) if opens else _("now")),
        _("Closes: {when}").format(when=city_time(closes, ctx) if closes else _("no end date")),
        _("Link code: {code}").format(code=data["payload"]),
        _("Test round: {answer}").format(answer=_("yes") if data.get("test") else _("no")),
    ]
    survey = await ctx.surveys.parse(version.source)
    incomplete = {code: places for code, places in missing_translations(survey).items() if places}
    if incomplete:
        warning = _("⚠️ Some languages are incomplete: residents will read these texts in {default}:")
        lines += ["", warning.format(default=survey.default_language)]
        lines += [
            _("• {language}: missing texts: {n}").format(language=code, n=len(places))
            for code, places in incomplete.items()
        ]
    return "\n".join(lines)


async def on_step(
    query: CallbackQuery,
    callback_data: NewRoundCb,
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
    state: FSMContext,
) -> None:
    await query.answer()
    chat_id, step, value = query.from_user.id, callback_data.a, callback_data.v
    data = await state.get_data()
    if step == "survey":
        await state.set_data({"survey": value})
        await ask(NewRound.title, chat_id, bot, services, ctx, state)
    elif step == "title":
        await ask(NewRound.opens, chat_id, bot, services, ctx, state)
    elif step == "opens":
        await state.update_data(opens=None)
        await ask(NewRound.closes, chat_id, bot, services, ctx, state)
    elif step == "closes":
        start = datetime.fromisoformat(data["opens"]) if data.get("opens") else ctx.clock.now()
        await state.update_data(closes=(start + timedelta(days=value)).isoformat() if value else None)
        await ask(NewRound.payload, chat_id, bot, services, ctx, state)
    elif step == "payload":
        await state.update_data(payload=data.get("suggested"))
        await ask(NewRound.test, chat_id, bot, services, ctx, state)
    elif step == "test":
        await state.update_data(test=bool(value))
        await ask(NewRound.confirm, chat_id, bot, services, ctx, state)
    elif step == "confirm":
        await _create(chat_id, bot, services, access, ctx, state)
    else:
        await state.clear()
        await bot.send_message(chat_id, _("Cancelled: no round was created."))


async def _create(
    chat_id: int, bot: Bot, services: Services, access: Access, ctx: AppContext, state: FSMContext
) -> None:
    data = await state.get_data()
    if "payload" not in data:
        raise StaleAction()
    version = await _version(services, data)
    rnd = await services.rounds.open_round(
        version,
        title=data.get("title"),
        opens_at=datetime.fromisoformat(data["opens"]) if data.get("opens") else None,
        closes_at=datetime.fromisoformat(data["closes"]) if data.get("closes") else None,
        payload=data["payload"],
        is_test=bool(data.get("test")),
    )
    await state.clear()
    await services.audit.record(
        access.actor, "round.created", target(rnd), role=access.role, detail={"survey": version.id}
    )
    await services.round_admin.mark(rnd, access.actor, access.role)
    await bot.send_message(
        chat_id, _("The round is created.") + "\n" + await describe(bot, services, ctx, rnd.id)
    )


async def on_typed(
    message: Message, bot: Bot, services: Services, ctx: AppContext, state: FSMContext
) -> None:
    current, text = await state.get_state(), (message.text or "").strip()
    data = await state.get_data()
    now = ctx.clock.now()
    if current == NewRound.title:
        await state.update_data(title=text[:200])
        await ask(NewRound.opens, message.chat.id, bot, services, ctx, state)
    elif current in (NewRound.opens, NewRound.closes):
        moment = parse_when(text, ctx)
        if moment is None:
            await message.answer(_("This is not a date: type YYYY-MM-DD or YYYY-MM-DD HH:MM."))
            return
        if current == NewRound.opens:
            await state.update_data(opens=max(moment, now).isoformat() if moment > now else None)
            await ask(NewRound.closes, message.chat.id, bot, services, ctx, state)
            return
        opens = datetime.fromisoformat(data["opens"]) if data.get("opens") else now
        if moment <= max(opens, now):
            await message.answer(_("The closing date must be in the future and after the opening date."))
            return
        await state.update_data(closes=moment.isoformat())
        await ask(NewRound.payload, message.chat.id, bot, services, ctx, state)
    elif current == NewRound.payload:
        if not PAYLOAD_PATTERN.match(text):
            await message.answer(_("A link code may only hold letters, digits and _ (at most 64)."))
        elif await services.rounds.by_payload(text) is not None:
            await message.answer(_("This link code is already used by another round: choose another."))
        else:
            await state.update_data(payload=text)
            await ask(NewRound.test, message.chat.id, bot, services, ctx, state)
    else:
        await message.answer(_("Please use the buttons above, or /newround to start again."))


def build_router() -> Router:
    router = Router(name="staff-newround")
    router.message.register(on_newround, Command("newround"), flags=STAFF)
    router.callback_query.register(on_step, NewRoundCb.filter(), flags=STAFF)
    typed = InState(
        NewRound.title, NewRound.opens, NewRound.closes, NewRound.payload, NewRound.test, NewRound.confirm
    )
    router.message.register(on_typed, TYPED_TEXT, typed, flags=STAFF)
    return router
