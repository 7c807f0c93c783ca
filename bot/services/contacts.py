"""Contacts: the one place where a Telegram id meets consultbot's own ids."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import Contact

# Read on every update: built once (bench/RESULTS.md §1).
_BY_TELEGRAM_ID = select(Contact).where(Contact.telegram_id == bindparam("telegram_id"))


class ContactService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    async def find(self, telegram_id: int) -> Contact | None:
        result = await self._session.execute(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})
        return result.scalar_one_or_none()

    async def ensure(self, telegram_id: int, chat_id: int, language: str) -> Contact:
        """The person's contact record, created on their first action that needs one."""
        contact = await self.find(telegram_id)
        if contact is None:
            contact = Contact(
                telegram_id=telegram_id, chat_id=chat_id, language=language, created_at=self._clock.now()
            )
            self._session.add(contact)
            await self._session.flush()
        return contact

    async def mark_unreachable(self, telegram_id: int) -> None:
        """Telegram said this person blocked the bot: nothing unsolicited goes to them any more."""
        contact = await self.find(telegram_id)
        if contact is not None and contact.unreachable_since is None:
            contact.unreachable_since = self._clock.now()
            await self._session.flush()

    async def mark_reachable(self, contact: Contact) -> None:
        if contact.unreachable_since is not None:
            contact.unreachable_since = None
            await self._session.flush()

    async def set_language(self, telegram_id: int, chat_id: int, language: str) -> Contact:
        contact = await self.ensure(telegram_id, chat_id, language)
        contact.language = language
        await self._session.flush()
        return contact
