"""Admins' commands: /invite, /grant, /revoke, /roles."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.db.models import Contact, Role
from bot.services.container import Services
from bot.services.invitations import VALID_FOR
from bot.services.roles import Access, Holder
from handlers.callbacks import GrantCb, InviteCb, RevokeCb
from handlers.filters import TYPED_TEXT, InState
from handlers.keyboards import button, columns, markup
from handlers.staff.common import deep_link, menu_for
from handlers.staff.gate import needs

log = logging.getLogger(__name__)
ADMIN = needs(Role.ADMIN)


class InviteFlow(StatesGroup):
    organisation = State()


def role_name(role: Role) -> str:
    return {Role.ADMIN: _("admin"), Role.STAFF: _("staff"), Role.WORKER: _("community worker")}[role]


def holder_line(holder: Holder) -> str:
    who = holder.name or _("person {actor}").format(actor=holder.actor)
    line = f"{who} — {role_name(holder.role)}"
    if holder.organisation:
        line += f" ({holder.organisation})"
    if holder.configured:
        line += " · " + _("ADMIN_IDS")
    return line


async def on_invite(
    message: Message, command: CommandObject, bot: Bot, services: Services, access: Access, state: FSMContext
) -> None:
    words = (command.args or "").split(maxsplit=1)
    kind = words[0].lower() if words else ""
    if kind == Role.STAFF.value:
        await _invite(message.chat.id, bot, services, access, Role.STAFF, None)
    elif kind == Role.WORKER.value and len(words) == 2:
        await _invite(message.chat.id, bot, services, access, Role.WORKER, words[1])
    elif kind == Role.WORKER.value:
        await state.set_state(InviteFlow.organisation)
        await message.answer(_("Which organisation does the community worker belong to? Type its name."))
    else:
        buttons = [
            button(_("Staff member"), InviteCb(role=Role.STAFF.value).pack()),
            button(_("Community worker"), InviteCb(role=Role.WORKER.value).pack()),
        ]
        await message.answer(_("Whom do you want to invite?"), reply_markup=markup([buttons]))


async def on_invite_kind(
    query: CallbackQuery,
    callback_data: InviteCb,
    bot: Bot,
    services: Services,
    access: Access,
    state: FSMContext,
) -> None:
    await query.answer()
    if callback_data.role == Role.STAFF.value:
        await _invite(query.from_user.id, bot, services, access, Role.STAFF, None)
    else:
        await state.set_state(InviteFlow.organisation)
        await bot.send_message(
            query.from_user.id, _("Which organisation does the community worker belong to? Type its name.")
        )


async def on_organisation(
    message: Message, bot: Bot, services: Services, access: Access, state: FSMContext
) -> None:
    await state.clear()
    organisation = (message.text or "").strip()[:120]
    await _invite(message.chat.id, bot, services, access, Role.WORKER, organisation)


async def _invite(
    chat_id: int, bot: Bot, services: Services, access: Access, role: Role, organisation: str | None
) -> None:
    invitation = await services.invitations.create(role, by=access.actor, organisation=organisation)
    detail = {"organisation": organisation} if organisation else None
    await services.audit.record(access.actor, "invite", f"role:{role.value}", role="admin", detail=detail)
    link = await deep_link(bot, invitation.code)
    text = _(
        "Invitation ({role}): send this link to your colleague. It works once, for {days} days.\n{link}"
    ).format(role=role_name(role), days=VALID_FOR.days, link=link)
    if organisation:
        text += "\n" + _("Organisation: {name}").format(name=organisation)
    await bot.send_message(chat_id, text)


async def on_grant(
    message: Message, command: CommandObject, bot: Bot, services: Services, access: Access, ctx: AppContext
) -> None:
    words = (command.args or "").split(maxsplit=2)
    if not words or not words[0].isdigit():
        await message.answer(
            _(
                "Usage: /grant <telegram id> <staff|admin|worker> [organisation]\n"
                "Easier: /invite makes a link, so you don't need their Telegram id."
            )
        )
        return
    telegram_id = int(words[0])
    role = Role(words[1].lower()) if len(words) > 1 and words[1].lower() in set(Role) else None
    if role is None or (role is Role.WORKER and len(words) < 3):
        buttons = [
            button(role_name(r), GrantCb(t=telegram_id, role=r.value).pack())
            for r in (Role.STAFF, Role.ADMIN)
        ]
        await message.answer(
            _("Which role? For a community worker, send /grant {id} worker <organisation>.").format(
                id=telegram_id
            ),
            reply_markup=markup([buttons]),
        )
        return
    await _grant(
        message.chat.id, bot, services, access, ctx, telegram_id, role, words[2] if len(words) > 2 else None
    )


async def on_grant_role(
    query: CallbackQuery,
    callback_data: GrantCb,
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
) -> None:
    await query.answer()
    await _grant(
        query.from_user.id, bot, services, access, ctx, callback_data.t, Role(callback_data.role), None
    )


async def _grant(
    chat_id: int,
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
    telegram_id: int,
    role: Role,
    organisation: str | None,
) -> None:
    contact, row = await services.roles.grant(telegram_id, role, by=access.actor, organisation=organisation)
    actor = await services.roles.actor_for(contact)
    await services.audit.record(
        access.actor, "grant", f"actor:{actor}", role="admin", detail={"role": role.value}
    )
    await bot.send_message(
        chat_id, _("Done: person {actor} is now {role}.").format(actor=actor, role=role_name(role))
    )
    await menu_for(bot, ctx, contact.chat_id, row.role)
    try:
        await bot.send_message(
            contact.chat_id,
            _("You are now {role}. Send /help to see your commands.").format(role=role_name(role)),
        )
    except TelegramAPIError as exc:
        log.info("could not tell a person about their new role: %s", exc)


async def on_revoke(message: Message, services: Services) -> None:
    holders = await services.roles.holders()
    if not holders:
        await message.answer(_("Nobody has a role yet."))
        return
    buttons = [button(holder_line(h), RevokeCb(c=h.contact_id).pack()) for h in holders]
    await message.answer(_("Whose role do you want to take away?"), reply_markup=markup(columns(buttons, 1)))


async def on_revoke_pick(
    query: CallbackQuery,
    callback_data: RevokeCb,
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
) -> None:
    await query.answer()
    person = await services.session.get(Contact, callback_data.c)
    name = person.display_name if person is not None else None
    row = await services.roles.revoke(callback_data.c)
    if row is None:
        await bot.send_message(query.from_user.id, _("This person has no role any more."))
        return
    contact = await services.session.get(Contact, callback_data.c)
    assert contact is not None
    actor = await services.roles.actor_for(contact)
    await services.audit.record(
        access.actor, "revoke", f"actor:{actor}", role="admin", detail={"role": row.role.value}
    )
    await bot.send_message(
        query.from_user.id,
        _("Done: {who} no longer has a role.").format(who=name or _("person {actor}").format(actor=actor)),
    )
    await menu_for(bot, ctx, contact.chat_id, None)


async def on_roles(message: Message, services: Services) -> None:
    holders = await services.roles.holders()
    lines = [_("People with a role:")] + [f"• {holder_line(h)}" for h in holders]
    await message.answer("\n".join(lines) if holders else _("Nobody has a role yet."))


def build_router() -> Router:
    router = Router(name="staff-roles")
    router.message.register(on_invite, Command("invite"), flags=ADMIN)
    router.callback_query.register(on_invite_kind, InviteCb.filter(), flags=ADMIN)
    router.message.register(
        on_organisation,
        TYPED_TEXT,
        InState(InviteFlow.organisation),
        flags=ADMIN,
    )
    router.message.register(on_grant, Command("grant"), flags=ADMIN)
    router.callback_query.register(on_grant_role, GrantCb.filter(), flags=ADMIN)
    router.message.register(on_revoke, Command("revoke"), flags=ADMIN)
    router.callback_query.register(on_revoke_pick, RevokeCb.filter(), flags=ADMIN)
    router.message.register(on_roles, Command("roles"), flags=ADMIN)
    return router
