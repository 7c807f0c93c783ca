"""Opening an invitation link (`/start i-…`): the opener gets the role, the inviting admin is told.

Not behind the role gate: whoever holds the link is, by definition, not staff yet.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.services.container import Services
from bot.services.invitations import PREFIX
from handlers.filters import PRIVATE
from handlers.staff.common import menu_for
from handlers.staff.roles import role_name

log = logging.getLogger(__name__)


async def on_invitation(
    message: Message, command: CommandObject, bot: Bot, services: Services, ctx: AppContext
) -> None:
    assert message.from_user is not None
    user = message.from_user
    accepted = await services.invitations.accept(command.args or "", user.id, message.chat.id, user.full_name)
    invitation = accepted.invitation
    await services.audit.record(
        accepted.actor,
        "invitation.accepted",
        f"actor:{accepted.actor}",
        role=invitation.role.value,
        detail={"invited_by": invitation.created_by, "organisation": invitation.organisation},
    )
    text = _("Welcome! You are now {role}. Send /help to see your commands.").format(
        role=role_name(invitation.role)
    )
    if invitation.organisation:
        text += "\n" + _("Organisation: {name}").format(name=invitation.organisation)
    await message.answer(text)
    await menu_for(bot, ctx, message.chat.id, invitation.role)
    if accepted.inviter_chat is not None:
        try:
            await bot.send_message(
                accepted.inviter_chat,
                _("{name} opened your invitation and is now {role}.").format(
                    name=user.full_name, role=role_name(invitation.role)
                ),
            )
        except TelegramAPIError as exc:
            log.info("could not tell the inviting admin: %s", exc)


def build_router() -> Router:
    router = Router(name="staff-invitations")
    router.message.filter(PRIVATE)
    router.message.register(on_invitation, CommandStart(deep_link=True, magic=F.args.startswith(PREFIX)))
    return router
