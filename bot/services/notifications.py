"""What a resident agreed to be sent: news of future consultations, and what comes of the ones they
answered. Each yes is a consent row (text version, language, time); /notifications and /stop withdraw.

The results of a round go to residents who completed it and asked for them: the link between them and
the round (`results_links`) exists for that purpose only, and is deleted when the results are sent or
after RETENTION_DAYS, whichever comes first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import Consent, ConsentKind, Contact, ResultsLink
from bot.db.upsert import insert_ignore

# Bump when a question's text changes in substance (the stored version says which text was agreed to).
NOTIFY_TEXT_VERSION = 1
KINDS = (ConsentKind.NOTIFY_FUTURE, ConsentKind.NOTIFY_RESULTS)


@dataclass(frozen=True)
class Choices:
    future: bool
    results: bool


class NotificationService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    async def choices(self, contact: Contact | None) -> Choices:
        if contact is None:
            return Choices(future=False, results=False)
        active = set(
            await self._session.scalars(
                select(Consent.kind).where(
                    Consent.contact_id == contact.id,
                    Consent.kind.in_(KINDS),
                    Consent.withdrawn_at.is_(None),
                )
            )
        )
        return Choices(
            future=ConsentKind.NOTIFY_FUTURE in active, results=ConsentKind.NOTIFY_RESULTS in active
        )

    async def set(self, contact: Contact, kind: ConsentKind, on: bool, language: str) -> None:
        """Give (once) or withdraw a consent; withdrawing results also drops the resident's results links."""
        current = await self.choices(contact)
        active = current.future if kind is ConsentKind.NOTIFY_FUTURE else current.results
        now = self._clock.now()
        if on and not active:
            self._session.add(
                Consent(
                    contact_id=contact.id,
                    kind=kind,
                    version=NOTIFY_TEXT_VERSION,
                    language=language,
                    given_at=now,
                )
            )
        elif not on and active:
            await self._session.execute(
                update(Consent)
                .where(Consent.contact_id == contact.id, Consent.kind == kind, Consent.withdrawn_at.is_(None))
                .values(withdrawn_at=now)
            )
        if not on and kind is ConsentKind.NOTIFY_RESULTS:
            await self._session.execute(delete(ResultsLink).where(ResultsLink.contact_id == contact.id))
        await self._session.flush()

    async def stop_all(self, contact: Contact, language: str) -> None:
        """/stop: no unsolicited message of any kind any more."""
        for kind in KINDS:
            await self.set(contact, kind, False, language)

    def should_ask_future(self, contact: Contact) -> bool:
        return contact.notifications_asked_at is None

    async def mark_asked_future(self, contact: Contact) -> None:
        contact.notifications_asked_at = self._clock.now()
        await self._session.flush()

    async def want_results(self, contact: Contact, round_id: int, language: str) -> None:
        """The resident, at the end of a round, asked to hear what comes of it."""
        await self.set(contact, ConsentKind.NOTIFY_RESULTS, True, language)
        await insert_ignore(
            self._session,
            ResultsLink,
            {"contact_id": contact.id, "round_id": round_id, "created_at": self._clock.now()},
            ["contact_id", "round_id"],
        )

    async def results_links(self, round_id: int) -> int:
        return int(
            await self._session.scalar(
                select(func.count()).select_from(ResultsLink).where(ResultsLink.round_id == round_id)
            )
            or 0
        )

    async def purge_results_links(
        self, *, round_id: int | None = None, before: datetime | None = None
    ) -> int:
        """Delete results links: a round's (its results were sent), or those older than `before`
        (retention). For the general purge to call; returns how many were deleted."""
        statement = delete(ResultsLink)
        if round_id is not None:
            statement = statement.where(ResultsLink.round_id == round_id)
        if before is not None:
            statement = statement.where(ResultsLink.created_at < before)
        result = await self._session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)
