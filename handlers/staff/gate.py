"""The one role check of every staff handler: a middleware on the staff router, deny by default.

A handler declares the role it needs with `flags=needs(Role.STAFF)`. Someone without it is not told the
command exists: the handler is skipped, so the update goes on to the fallback router and gets the same
reply as any unknown command; the attempt is audited. If the role lookup itself fails, access is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Message, TelegramObject, User

from bot.db.models import Role
from bot.services.audit import stranger_ref
from bot.services.container import Services
from bot.services.roles import Access

log = logging.getLogger(__name__)
ROLE_FLAG = "role"
DENIED = "denied"


def needs(role: Role) -> dict[str, Any]:
    """Handler flags saying which role the handler needs."""
    return {ROLE_FLAG: role}


def attempted(event: TelegramObject) -> str | None:
    """What a refused person tried, for the audit log; None for what is not a staff command."""
    if isinstance(event, Message) and event.text and event.text.startswith("/"):
        return event.text.split()[0].split("@")[0][:40]
    if isinstance(event, CallbackQuery) and event.data:
        return "button:" + event.data.split(":")[0][:16]
    return None


class RoleGate(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        needed = get_flag(data, ROLE_FLAG)
        user: User | None = data.get("event_from_user")
        services: Services | None = data.get("services")
        if not isinstance(needed, Role) or user is None or services is None:
            raise SkipHandler()
        try:
            async with services.session.begin_nested():
                access = await services.roles.access(
                    user.id, _chat_id(event, user), user.full_name, data.get("locale")
                )
        except Exception as exc:
            log.warning("role lookup failed, access refused: %s", type(exc).__name__)
            raise SkipHandler() from None
        if access is None or not access.allows(needed):
            await _audit_denial(services, event, user, access, needed)
            raise SkipHandler()
        data["access"] = access
        return await handler(event, data)


def _chat_id(event: TelegramObject, user: User) -> int:
    if isinstance(event, Message):
        return event.chat.id
    return user.id


async def _audit_denial(
    services: Services, event: TelegramObject, user: User, access: Access | None, needed: Role
) -> None:
    tried = attempted(event)
    if tried is None:
        return
    actor = access.actor if access is not None else stranger_ref(services.ctx.pseudonym_key, user.id)
    role = access.role.value if access is not None and access.role is not None else None
    try:
        async with services.session.begin_nested():
            await services.audit.record(actor, DENIED, tried, role=role, detail={"needs": needed.value})
    except Exception as exc:
        log.warning("could not audit a refused attempt: %s", type(exc).__name__)
