"""Survey links (`w-…`): a community worker's own link into a round, or staff's for an organisation or a
channel. A response keeps the code of the first link that brought it (`responses.source`); figures and
exports show the link's label, never who owns it.

Codes start with `w-`: round payloads never contain `-`, so a link cannot be mistaken for a round.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import Contact, Link, LinkKind, Response, ResponseStatus, Round
from bot.errors import (
    ConsultError,
    LinkNotFound,
    LinkRevoked,
    LinkUnavailable,
    RoundNotOpenForWork,
    StaffRoundNotFound,
    WorkerRoundNotFound,
)

PREFIX = "w-"
ALPHABET = string.ascii_letters + string.digits  # base62: 10 characters ≈ 59 bits, unguessable
CODE_LENGTH = 10
LABEL_MAX = 120


def new_code() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def is_link(payload: str) -> bool:
    return payload.startswith(PREFIX)


def clean_label(label: str) -> str:
    return " ".join(label.split())[:LABEL_MAX]


@dataclass(frozen=True)
class LinkCounts:
    """A link with how many responses it brought (raw counts: callers hide the small ones)."""

    link: Link
    started: int
    completed: int


class LinkService:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    async def _round(self, round_id: int, missing: type[ConsultError] = StaffRoundNotFound) -> Round:
        rnd = await self._session.get(Round, round_id)
        if rnd is None:
            raise missing()
        return rnd

    async def for_worker(self, worker: Contact, round_id: int, organisation: str | None) -> Link:
        """The worker's one link for the round, made on first ask; LinkRevoked when staff withdrew it,
        RoundNotOpenForWork when the round is over (a scheduled round is fine: posters go up early)."""
        rnd = await self._round(round_id, WorkerRoundNotFound)
        now = self._clock.now()
        if rnd.opens_at <= now and not rnd.is_open(now):
            raise RoundNotOpenForWork()
        link = await self._session.scalar(
            select(Link).where(Link.round_id == rnd.id, Link.owner_contact_id == worker.id)
        )
        if link is None:
            link = Link(
                code=new_code(),
                round_id=rnd.id,
                label=clean_label(organisation or "") or "?",
                kind=LinkKind.WORKER,
                owner_contact_id=worker.id,
                created_at=now,
            )
            self._session.add(link)
            await self._session.flush()
        if link.revoked_at is not None:
            raise LinkRevoked()
        return link

    async def own_link(self, worker: Contact, round_id: int) -> Link | None:
        """The worker's link for the round if they have one that works (for assisted interviews)."""
        return await self._session.scalar(
            select(Link).where(
                Link.round_id == round_id, Link.owner_contact_id == worker.id, Link.revoked_at.is_(None)
            )
        )

    async def create(self, round_id: int, label: str, *, by: str | None) -> Link:
        """A staff link for an organisation or a channel."""
        rnd = await self._round(round_id)
        link = Link(
            code=new_code(),
            round_id=rnd.id,
            label=clean_label(label),
            kind=LinkKind.CAMPAIGN,
            created_by=by,
            created_at=self._clock.now(),
        )
        if not link.label:
            raise ValueError("a link needs a label")
        self._session.add(link)
        await self._session.flush()
        return link

    async def get(self, code: str) -> Link | None:
        return await self._session.get(Link, code)

    async def resolve(self, code: str) -> Link:
        """The link a resident opened; LinkUnavailable for an unknown or withdrawn code."""
        link = await self.get(code)
        if link is None or link.revoked_at is not None:
            raise LinkUnavailable()
        return link

    async def revoke(self, code: str) -> Link:
        link = await self.get(code.strip())
        if link is None:
            raise LinkNotFound()
        if link.revoked_at is None:
            link.revoked_at = self._clock.now()
            await self._session.flush()
        return link

    async def of_round(self, round_id: int) -> list[LinkCounts]:
        await self._round(round_id)
        return await self._counted(Link.round_id == round_id)

    async def of_worker(self, worker: Contact) -> list[LinkCounts]:
        return await self._counted(Link.owner_contact_id == worker.id)

    async def _counted(self, where: ColumnElement[bool]) -> list[LinkCounts]:
        links = list(
            await self._session.scalars(select(Link).where(where).order_by(Link.round_id, Link.created_at))
        )
        counts = await self._counts(link.code for link in links)
        return [LinkCounts(link, *counts.get(link.code, (0, 0))) for link in links]

    async def _counts(self, codes: Iterable[str]) -> dict[str, tuple[int, int]]:
        wanted = list(codes)
        if not wanted:
            return {}
        completed = func.count(Response.id).filter(Response.status == ResponseStatus.COMPLETED)
        rows = await self._session.execute(
            select(Response.source, func.count(Response.id), completed)
            .where(Response.source.in_(wanted))
            .group_by(Response.source)
        )
        return {str(source): (int(started), int(done)) for source, started, done in rows}
