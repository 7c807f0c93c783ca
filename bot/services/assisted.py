"""Assisted interviews: a community worker fills in a round with a resident sitting beside them.

Each interview is a response of its own, flagged `assisted`, with a respondent that has no contact (the
resident has no Telegram account here; the worker's own response, if any, is untouched). While it runs,
`responses.assisted_by` names the worker's contact so that their buttons and typed answers reach it (see
`SurveyRunner`); Submit clears it, so the worker cannot open the answers again.

At Submit the resident is given a receipt code: with it staff delete the response on request
(`consultbot forget-receipt`). Only a keyed hash of the code is stored (HMAC with PSEUDONYM_KEY): someone
who can read the database but does not hold the key, or who finds a receipt, cannot tell which response
it belongs to; a worker who noted a code cannot look the answers up; the code itself is shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import Contact, Respondent, Response, ResponseStatus
from bot.errors import AssistInProgress, ReceiptNotFound, RoundNotOpenForWork, RoundNotOpenYet
from bot.services.answering import Progress, SurveyRunner
from bot.services.links import LinkService
from bot.services.privacy import PRIVACY_NOTICE_VERSION

#: Receipt codes: no 0/O, 1/I/L: easy to read aloud and to copy by hand. 31^8 ≈ 8.5·10^11 codes.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_LENGTH = 8


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def shown_receipt(code: str) -> str:
    """`K7QXM3PD` → `K7QX-M3PD`, easier to copy."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def normalise_receipt(text: str) -> str:
    """What a person types back: any case, with or without the dash or spaces."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def receipt_hash(key: bytes, code: str) -> str:
    return hmac.new(key, f"receipt:{normalise_receipt(code)}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Abandoned:
    """An interview deleted unfinished; where it began in the worker's chat (None: not recorded)."""

    from_message_id: int | None


class AssistedService:
    def __init__(
        self, session: AsyncSession, clock: Clock, key: bytes, runner: SurveyRunner, links: LinkService
    ) -> None:
        self._session = session
        self._clock = clock
        self._key = key
        self._runner = runner
        self._links = links

    async def current(self, worker: Contact) -> Progress | None:
        """The interview the worker has not finished, if any."""
        response = await self._session.scalar(
            select(Response)
            .where(Response.assisted_by == worker.id, Response.status == ResponseStatus.IN_PROGRESS)
            .order_by(Response.id.desc())
            .limit(1)
        )
        return await self._runner.progress_for(response) if response is not None else None

    async def start(
        self, worker: Contact, round_id: int, language: str, from_message_id: int | None = None
    ) -> Progress:
        """A new assisted response in `language`; the worker confirmed the resident agreed to the notice.

        Its source is the worker's own link to the round, when they have one that works.
        `from_message_id`: the first message of the interview in the worker's chat.
        """
        if await self.current(worker) is not None:
            raise AssistInProgress()
        rnd, survey = await self._runner.round_and_survey(round_id)
        now = self._clock.now()
        if rnd.opens_at > now:
            raise RoundNotOpenYet()
        if not rnd.is_open(now):
            raise RoundNotOpenForWork()
        link = await self._links.own_link(worker, round_id)
        respondent = Respondent(id=secrets.token_hex(16), contact_id=None, round_id=rnd.id, created_at=now)
        self._session.add(respondent)
        await self._session.flush()
        response = Response(
            round_id=rnd.id,
            respondent_id=respondent.id,
            language=language if language in survey.languages else survey.default_language,
            status=ResponseStatus.IN_PROGRESS,
            started_at=now,
            updated_at=now,
            source=link.code if link is not None else None,
            revision=1,
            assisted=True,
            assisted_by=worker.id,
            assisted_consent_version=PRIVACY_NOTICE_VERSION,
            assisted_from_message_id=from_message_id,
        )
        self._session.add(response)
        await self._session.flush()
        progress = await self._runner.progress_for(response)
        progress.fresh = True
        return progress

    async def abandon(self, worker: Contact) -> Abandoned | None:
        """Delete the worker's unfinished interview (the resident left); None when there was none."""
        progress = await self.current(worker)
        if progress is None:
            return None
        from_message_id = progress.response.assisted_from_message_id
        await self._delete(progress.response)
        return Abandoned(from_message_id)

    async def issue_receipt(self, response: Response) -> str:
        """A new receipt code for a submitted assisted response; only its keyed hash is kept."""
        while True:
            code = new_receipt()
            digest = receipt_hash(self._key, code)
            taken = await self._session.scalar(select(Response.id).where(Response.receipt_hash == digest))
            if taken is None:
                break
        response.receipt_hash = digest
        await self._session.flush()
        return code

    async def forget(self, code: str) -> int:
        """Delete the assisted response with this receipt code, answers included; returns its round id."""
        response = await self._session.scalar(
            select(Response).where(
                Response.receipt_hash == receipt_hash(self._key, code), Response.assisted.is_(True)
            )
        )
        if response is None:
            raise ReceiptNotFound()
        round_id = response.round_id
        await self._delete(response)
        return round_id

    async def _delete(self, response: Response) -> None:
        """The respondent goes, and with it (cascade) the response and its answers."""
        respondent_id = response.respondent_id
        self._session.expunge(response)
        await self._session.execute(delete(Respondent).where(Respondent.id == respondent_id))
        await self._session.flush()
