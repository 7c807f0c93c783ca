"""Invitations: single-use deep links that give a role. Nobody needs to know a colleague's Telegram id.

Codes start with `i-`: round payloads never contain `-`, so the two kinds of link cannot be confused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import Actor, Contact, Invitation, Role, StaffRole
from bot.errors import AlreadyAdmin, InvitationInvalid
from bot.services.roles import RoleService

PREFIX = "i-"
VALID_FOR = timedelta(days=7)


def is_invitation(payload: str) -> bool:
    return payload.startswith(PREFIX)


@dataclass(frozen=True)
class Accepted:
    invitation: Invitation
    contact: Contact
    actor: str
    inviter_chat: int | None  # where to tell the inviting admin; None when they are gone


class InvitationService:
    def __init__(self, session: AsyncSession, clock: Clock, roles: RoleService) -> None:
        self._session = session
        self._clock = clock
        self._roles = roles

    async def create(self, role: Role, *, by: str | None, organisation: str | None = None) -> Invitation:
        if role is Role.WORKER and not (organisation or "").strip():
            raise ValueError("a worker invitation needs an organisation")
        now = self._clock.now()
        invitation = Invitation(
            code=PREFIX + secrets.token_urlsafe(12),
            role=role,
            organisation=organisation.strip() if role is Role.WORKER and organisation else None,
            created_by=by,
            created_at=now,
            expires_at=now + VALID_FOR,
        )
        self._session.add(invitation)
        await self._session.flush()
        return invitation

    async def accept(self, code: str, telegram_id: int, chat_id: int, name: str | None) -> Accepted:
        """Give the invitation's role to whoever opened it; the code can never be used again."""
        now = self._clock.now()
        invitation = await self._session.get(Invitation, code)
        if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
            raise InvitationInvalid()
        contact = await self._roles.contact(telegram_id, chat_id)
        current = await self._session.get(StaffRole, contact.id)
        if self._roles.is_configured_admin(telegram_id) or (
            current is not None and current.role is Role.ADMIN
        ):
            raise AlreadyAdmin()
        actor = await self._roles.actor_for(contact)
        claimed = await self._session.execute(
            update(Invitation)
            .where(Invitation.code == code, Invitation.used_at.is_(None))
            .values(used_at=now, used_by=actor)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise InvitationInvalid()  # someone else opened it at the same moment
        await self._session.refresh(invitation)
        await self._roles.grant(
            telegram_id,
            invitation.role,
            by=invitation.created_by,
            organisation=invitation.organisation,
            name=name,
        )
        inviter = None
        if invitation.created_by is not None:
            inviter = await self._session.scalar(
                select(Contact.chat_id)
                .join(Actor, Actor.contact_id == Contact.id)
                .where(Actor.id == invitation.created_by)
            )
        return Accepted(invitation, contact, actor, inviter)
