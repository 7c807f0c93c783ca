"""The privacy notice residents acknowledge before their first answer is stored."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import Consent, ConsentKind, Contact

# Bump when the notice's text changes in substance: residents are then asked again.
PRIVACY_NOTICE_VERSION = 1


class PrivacyService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    async def has_acknowledged(self, contact: Contact | None) -> bool:
        if contact is None:
            return False
        result = await self._session.execute(
            select(Consent.id)
            .where(
                Consent.contact_id == contact.id,
                Consent.kind == ConsentKind.PRIVACY_NOTICE,
                Consent.version == PRIVACY_NOTICE_VERSION,
                Consent.withdrawn_at.is_(None),
            )
            .limit(1)
        )
        return result.first() is not None

    async def acknowledge(self, contact: Contact, language: str) -> None:
        if await self.has_acknowledged(contact):
            return
        self._session.add(
            Consent(
                contact_id=contact.id,
                kind=ConsentKind.PRIVACY_NOTICE,
                version=PRIVACY_NOTICE_VERSION,
                language=language,
                given_at=self._clock.now(),
            )
        )
        await self._session.flush()
