"""Who may do what. Roles are read from the database on every staff action; ADMIN_IDS are admins for as
long as they are listed (the configuration owns them, so they are never stored as a role row)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import Actor, Contact, Role, StaffRole
from bot.db.upsert import insert_ignore
from bot.errors import ConfiguredAdmin

#: Which roles each required role admits: admins may do everything staff may.
ADMITS: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset({Role.ADMIN}),
    Role.STAFF: frozenset({Role.ADMIN, Role.STAFF}),
    Role.WORKER: frozenset({Role.WORKER}),
}


@dataclass(frozen=True)
class Access:
    """A person as a staff handler sees them."""

    contact: Contact
    actor: str
    role: Role | None
    configured: bool = False  # admin through ADMIN_IDS
    organisation: str | None = None

    def allows(self, needed: Role) -> bool:
        return self.role is not None and self.role in ADMITS[needed]


@dataclass(frozen=True)
class Holder:
    """Someone with a role, for lists and pickers (no Telegram id)."""

    contact_id: int
    actor: str
    role: Role
    name: str | None
    organisation: str | None
    configured: bool


class RoleService:
    def __init__(self, session: AsyncSession, clock: Clock, admin_ids: frozenset[int]) -> None:
        self._session = session
        self._clock = clock
        self._admin_ids = admin_ids

    def is_configured_admin(self, telegram_id: int) -> bool:
        return telegram_id in self._admin_ids

    async def contact(self, telegram_id: int, chat_id: int | None = None) -> Contact:
        """The person's contact, created without a language (their Telegram language applies)."""
        await insert_ignore(
            self._session,
            Contact,
            {
                "telegram_id": telegram_id,
                "chat_id": chat_id or telegram_id,
                "language": None,
                "created_at": self._clock.now(),
            },
            conflict=["telegram_id"],
        )
        found = await self._session.scalar(select(Contact).where(Contact.telegram_id == telegram_id))
        assert found is not None
        return found

    async def actor_for(self, contact: Contact) -> str:
        """The person's random actor id for the audit log, created on first need."""
        await insert_ignore(
            self._session,
            Actor,
            {"id": secrets.token_hex(6), "contact_id": contact.id, "created_at": self._clock.now()},
            conflict=["contact_id"],
        )
        actor = await self._session.scalar(select(Actor.id).where(Actor.contact_id == contact.id))
        assert actor is not None
        return actor

    async def access(
        self, telegram_id: int, chat_id: int, name: str | None = None, language: str | None = None
    ) -> Access | None:
        """The person's role now; None for someone we hold no contact for (a resident who never wrote).
        For people with a role, their name and language are remembered (lists, notices between updates)."""
        if telegram_id in self._admin_ids:
            admin = await self.contact(telegram_id, chat_id)
            self._remember(admin, name, language)
            return Access(admin, await self.actor_for(admin), Role.ADMIN, configured=True)
        contact = await self.by_telegram_id(telegram_id)
        if contact is None:
            return None
        row = await self._session.get(StaffRole, contact.id)
        if row is not None:
            self._remember(contact, name, language)
        return Access(
            contact,
            await self.actor_for(contact),
            row.role if row is not None else None,
            organisation=row.organisation if row is not None else None,
        )

    @staticmethod
    def _remember(contact: Contact, name: str | None, language: str | None) -> None:
        if name and contact.display_name != name:
            contact.display_name = name
        if language and contact.language is None:
            contact.language = language

    async def grant(
        self,
        telegram_id: int,
        role: Role,
        *,
        by: str | None,
        organisation: str | None = None,
        name: str | None = None,
    ) -> tuple[Contact, StaffRole]:
        if telegram_id in self._admin_ids:
            raise ConfiguredAdmin()
        contact = await self.contact(telegram_id)
        row = await self._session.get(StaffRole, contact.id)
        if row is None:
            row = StaffRole(contact_id=contact.id, granted_at=self._clock.now())
            self._session.add(row)
        row.role = role
        row.organisation = organisation if role is Role.WORKER else None
        contact.display_name = name or contact.display_name
        row.granted_by = by
        row.granted_at = self._clock.now()
        await self._session.flush()
        return contact, row

    async def revoke(self, contact_id: int) -> StaffRole | None:
        """Take a role away; ConfiguredAdmin for ADMIN_IDS. None when the person had no role."""
        contact = await self._session.get(Contact, contact_id)
        if contact is not None and contact.telegram_id in self._admin_ids:
            raise ConfiguredAdmin()
        row = await self._session.get(StaffRole, contact_id)
        if row is None:
            return None
        await self._session.execute(delete(StaffRole).where(StaffRole.contact_id == contact_id))
        if contact is not None:
            contact.display_name = None  # a name is kept only while the person has a role
        return row

    async def by_telegram_id(self, telegram_id: int) -> Contact | None:
        return await self._session.scalar(select(Contact).where(Contact.telegram_id == telegram_id))

    async def holders(self) -> list[Holder]:
        """Everyone with a role: configured admins who have written to the bot first, then by role."""
        people: list[Holder] = []
        if self._admin_ids:
            admins = await self._session.scalars(
                select(Contact).where(Contact.telegram_id.in_(self._admin_ids)).order_by(Contact.id)
            )
            for contact in admins:
                actor = await self.actor_for(contact)
                people.append(
                    Holder(contact.id, actor, Role.ADMIN, contact.display_name, None, configured=True)
                )
        rows = await self._session.execute(
            select(StaffRole, Contact.telegram_id)
            .join(Contact, Contact.id == StaffRole.contact_id)
            .order_by(StaffRole.role, StaffRole.granted_at, StaffRole.contact_id)
        )
        for row, telegram_id in rows:
            if telegram_id in self._admin_ids:
                continue
            holder = await self._session.get(Contact, row.contact_id)
            assert holder is not None
            actor = await self.actor_for(holder)
            people.append(
                Holder(row.contact_id, actor, row.role, holder.display_name, row.organisation, False)
            )
        return people

    async def staff_chats(self) -> list[tuple[int, str | None]]:
        """(chat id, chosen language) of every admin and staff member, for notices about rounds."""
        chats = set(
            (
                await self._session.execute(
                    select(Contact.chat_id, Contact.language)
                    .join(StaffRole, StaffRole.contact_id == Contact.id)
                    .where(StaffRole.role.in_([Role.ADMIN, Role.STAFF]))
                )
            ).all()
        )
        if self._admin_ids:
            chats |= set(
                (
                    await self._session.execute(
                        select(Contact.chat_id, Contact.language).where(
                            Contact.telegram_id.in_(self._admin_ids)
                        )
                    )
                ).all()
            )
        return sorted((chat, language) for chat, language in chats)

    async def menu_targets(self) -> list[tuple[int, Role]]:
        """(chat id, role) of everyone with a role, to set their command menus."""
        rows = await self._session.execute(
            select(Contact.chat_id, StaffRole.role).join(StaffRole, StaffRole.contact_id == Contact.id)
        )
        targets: dict[int, Role] = dict(rows.all())
        if self._admin_ids:
            for chat in await self._session.scalars(
                select(Contact.chat_id).where(Contact.telegram_id.in_(self._admin_ids))
            ):
                targets[chat] = Role.ADMIN
        return sorted(targets.items())
