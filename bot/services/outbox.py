"""The outbox: messages to many residents, queued in the database and delivered by a sender.

A job (broadcast, reminder, results) is drafted with its texts, confirmed by staff (then its recipients
are written, one row per resident, unique per job), approved by a second staff member when it is large,
and delivered by `bot.sender`. Who may receive a job is decided here, twice: when the rows are written,
and again by the sender just before each message (a resident may have said stop meanwhile).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, exists, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import (
    Answer,
    Consent,
    ConsentKind,
    Contact,
    DeliveryStatus,
    JobKind,
    JobStatus,
    OutboxJob,
    OutboxMessage,
    Respondent,
    Response,
    ResponseStatus,
    ResultsLink,
)
from bot.errors import N_, ConsultError

DISTRICT_QUESTION = "district"  # the survey question whose answer /broadcast district=… filters on
CONSENT_FOR = {
    JobKind.BROADCAST: ConsentKind.NOTIFY_FUTURE,
    JobKind.REMINDER: ConsentKind.NOTIFY_FUTURE,
    JobKind.RESULTS: ConsentKind.NOTIFY_RESULTS,
}
OPEN = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)


class JobNotFound(ConsultError):
    user_message = N_("There is no message job with this number. Send /broadcasts to see them.")


class JobStateChanged(ConsultError):
    user_message = N_("This message job has already been confirmed, cancelled or finished.")


class AlreadySent(ConsultError):
    user_message = N_("This message has already been sent (or is being sent) for this round.")


class SameApprover(ConsultError):
    user_message = N_("Another staff member must approve this: you prepared it.")


class NobodyToSend(ConsultError):
    user_message = N_("Nobody would receive this message: nothing was queued.")


@dataclass(frozen=True)
class Filters:
    languages: tuple[str, ...] = ()
    district: str | None = None

    def as_json(self) -> dict[str, Any] | None:
        if not self.languages and self.district is None:
            return None
        return {"languages": list(self.languages), "district": self.district}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Filters:
        data = data or {}
        return cls(tuple(data.get("languages") or ()), data.get("district"))


@dataclass
class Progress:
    job: OutboxJob
    counts: dict[DeliveryStatus, int] = field(default_factory=dict)

    def count(self, status: DeliveryStatus) -> int:
        return self.counts.get(status, 0)


@dataclass(frozen=True)
class Claimed:
    """One message a sender has claimed, with what it needs to send it."""

    message_id: int
    job_id: int
    contact_id: int
    chat_id: int
    language: str | None
    reachable: bool
    consents: bool


class Outbox:
    def __init__(self, session: AsyncSession, clock: Clock, approval_over: int) -> None:
        self._session = session
        self._clock = clock
        self._approval_over = approval_over

    # --- staff ---------------------------------------------------------------------------------------

    async def draft(
        self,
        kind: JobKind,
        round_id: int,
        texts: dict[str, str],
        *,
        by: str | None,
        default_language: str,
        filters: Filters | None = None,
        button_labels: dict[str, str] | None = None,
        button_url: str | None = None,
        attachment: tuple[str, str] | None = None,
    ) -> OutboxJob:
        job = OutboxJob(
            kind=kind,
            round_id=round_id,
            status=JobStatus.DRAFT,
            texts={"default": default_language, **texts},
            button_labels=button_labels,
            button_url=button_url,
            attachment_kind=attachment[0] if attachment else None,
            attachment_file_id=attachment[1] if attachment else None,
            filters=(filters or Filters()).as_json(),
            created_by=by,
            created_at=self._clock.now(),
            total=0,
        )
        self._session.add(job)
        await self._session.flush()
        return job

    async def get(self, job_id: int) -> OutboxJob:
        job = await self._session.get(OutboxJob, job_id)
        if job is None:
            raise JobNotFound()
        return job

    async def count(self, job: OutboxJob) -> int:
        audience = self._audience(job).subquery()
        return int(await self._session.scalar(select(func.count()).select_from(audience)) or 0)

    async def confirm(self, job_id: int) -> OutboxJob:
        """Write the recipients; the job is queued, or waits for a second staff member's approval."""
        job = await self.get(job_id)
        if job.status is not JobStatus.DRAFT:
            raise JobStateChanged()
        if job.kind is not JobKind.BROADCAST:
            job.once_key = f"{job.kind.value}:{job.round_id}"
            try:
                async with self._session.begin_nested():
                    await self._session.flush()
            except IntegrityError:
                raise AlreadySent() from None
        rows = self._audience(job).add_columns(literal(job.id), literal(DeliveryStatus.QUEUED.value))
        await self._session.execute(
            insert(OutboxMessage).from_select(["contact_id", "job_id", "status"], rows)
        )
        total = int(
            await self._session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.job_id == job.id)
            )
            or 0
        )
        if total == 0:
            raise NobodyToSend()
        job.total = total
        if total > self._approval_over:
            job.status = JobStatus.AWAITING_APPROVAL
        else:
            job.status = JobStatus.QUEUED
            job.queued_at = self._clock.now()
        await self._session.flush()
        return job

    async def approve(self, job_id: int, by: str) -> OutboxJob:
        job = await self.get(job_id)
        if job.status is not JobStatus.AWAITING_APPROVAL:
            raise JobStateChanged()
        if job.created_by == by:
            raise SameApprover()
        job.status = JobStatus.QUEUED
        job.approved_by = by
        job.queued_at = self._clock.now()
        await self._session.flush()
        return job

    async def cancel(self, job_id: int) -> OutboxJob:
        job = await self.get(job_id)
        if job.status in (JobStatus.DONE, JobStatus.CANCELLED):
            raise JobStateChanged()
        job.status = JobStatus.CANCELLED
        job.once_key = None
        job.finished_at = self._clock.now()
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.job_id == job.id, OutboxMessage.status == DeliveryStatus.QUEUED)
            .values(status=DeliveryStatus.SKIPPED, error="cancelled")
        )
        await self._session.flush()
        return job

    async def recent(self, limit: int = 10) -> list[Progress]:
        """The newest confirmed jobs with their counts (drafts are left out)."""
        jobs = list(
            await self._session.scalars(
                select(OutboxJob)
                .where(OutboxJob.status != JobStatus.DRAFT)
                .order_by(OutboxJob.id.desc())
                .limit(limit)
            )
        )
        counts: dict[int, dict[DeliveryStatus, int]] = defaultdict(dict)
        if jobs:
            rows = await self._session.execute(
                select(OutboxMessage.job_id, OutboxMessage.status, func.count())
                .where(OutboxMessage.job_id.in_([j.id for j in jobs]))
                .group_by(OutboxMessage.job_id, OutboxMessage.status)
            )
            for job_id, status, n in rows:
                counts[job_id][DeliveryStatus(status)] = int(n)
        return [Progress(job, counts[job.id]) for job in jobs]

    # --- who receives a job ------------------------------------------------------------------------

    def _audience(self, job: OutboxJob) -> Any:
        consent = CONSENT_FOR[job.kind]
        conditions: list[ColumnElement[bool]] = [
            Contact.unreachable_since.is_(None),
            exists().where(
                Consent.contact_id == Contact.id, Consent.kind == consent, Consent.withdrawn_at.is_(None)
            ),
        ]
        in_round = select(Respondent.id).where(
            Respondent.contact_id == Contact.id, Respondent.round_id == job.round_id
        )
        if job.kind is JobKind.BROADCAST:
            conditions.append(~exists(in_round))  # not those who already took part
            filters = Filters.from_json(job.filters)
            if filters.languages:
                default = str(job.texts.get("default", ""))
                conditions.append(func.coalesce(Contact.language, default).in_(filters.languages))
            if filters.district is not None:
                conditions.append(
                    exists()
                    .where(
                        Respondent.contact_id == Contact.id,
                        Response.respondent_id == Respondent.id,
                        Answer.response_id == Response.id,
                        Answer.question_id == DISTRICT_QUESTION,
                    )
                    .where(_json_text_equals(Answer.value, filters.district))
                )
        elif job.kind is JobKind.REMINDER:
            conditions.append(
                exists().where(
                    Respondent.contact_id == Contact.id,
                    Respondent.round_id == job.round_id,
                    Response.respondent_id == Respondent.id,
                    Response.status == ResponseStatus.IN_PROGRESS,
                )
            )
        else:
            conditions.append(
                exists().where(ResultsLink.contact_id == Contact.id, ResultsLink.round_id == job.round_id)
            )
        return select(Contact.id).where(and_(*conditions))

    # --- the sender ----------------------------------------------------------------------------------

    async def claim(self, worker: str) -> Claimed | None:
        """Take one queued message of a queued job (the oldest job's first), or None when there is none.

        One query finds it with the resident's chat, language and reachability, one update claims it,
        one looks up the consent. On PostgreSQL the row is locked with SKIP LOCKED, so senders never wait
        for each other; on SQLite the transaction holds the write lock.

        The order follows the status index, so that finding the next message sorts nothing: ordering by
        message id alone made each claim sort every queued row (7 ms on SQLite with 20,000 queued;
        bench/RESULTS.md, "Broadcast"). On SQLite the message id is the index's last column; PostgreSQL's
        index keeps equal keys in the order the rows were written, within a job the order of queueing.
        """
        candidate = (
            select(
                OutboxMessage.id,
                OutboxMessage.job_id,
                OutboxJob.kind,
                Contact.id,
                Contact.chat_id,
                Contact.language,
                Contact.unreachable_since,
            )
            .join(OutboxJob, OutboxJob.id == OutboxMessage.job_id)
            .join(Contact, Contact.id == OutboxMessage.contact_id)
            .where(OutboxMessage.status == DeliveryStatus.QUEUED, OutboxJob.status == JobStatus.QUEUED)
            .limit(1)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            candidate = candidate.order_by(OutboxMessage.job_id).with_for_update(
                skip_locked=True, of=OutboxMessage
            )
        else:
            candidate = candidate.order_by(OutboxMessage.job_id, OutboxMessage.id)
        row = (await self._session.execute(candidate)).first()
        if row is None:
            return None
        message_id, job_id, kind, contact_id, chat_id, language, unreachable_since = row
        claimed = await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == DeliveryStatus.QUEUED)
            .values(
                status=DeliveryStatus.SENDING,
                claimed_at=self._clock.now(),
                claimed_by=worker,
                attempts=OutboxMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:  # taken meanwhile (cannot happen under the lock)
            return None
        consents = await self._session.scalar(
            select(
                exists().where(
                    Consent.contact_id == contact_id,
                    Consent.kind == CONSENT_FOR[JobKind(kind)],
                    Consent.withdrawn_at.is_(None),
                )
            )
        )
        return Claimed(
            message_id, job_id, contact_id, chat_id, language, unreachable_since is None, bool(consents)
        )

    async def touch(self, message_id: int) -> None:
        """Renew a claim (before each retry), so a long wait is not taken for a dead sender."""
        await self._session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).values(claimed_at=self._clock.now())
        )

    async def mark(self, message_id: int, status: DeliveryStatus, error: str | None = None) -> None:
        values: dict[str, Any] = {"status": status, "error": error}
        if status is DeliveryStatus.SENT:
            values["sent_at"] = self._clock.now()
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == DeliveryStatus.SENDING)
            .values(**values)
        )

    async def release(self, message_id: int) -> None:
        """Give a claimed message back (the sender is stopping before it could try)."""
        await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == DeliveryStatus.SENDING)
            .values(status=DeliveryStatus.QUEUED, claimed_at=None, claimed_by=None)
        )

    async def expire_claims(self, older_than: datetime) -> int:
        """Claims of a sender that died mid-send: the message may have reached the resident, so it is
        not sent again (at most once); it counts as failed ("interrupted")."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == DeliveryStatus.SENDING, OutboxMessage.claimed_at < older_than)
            .values(status=DeliveryStatus.FAILED, error="interrupted")
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def finish_jobs(self) -> list[OutboxJob]:
        """Queued jobs with nothing left to send become done; returns them."""
        pending = exists().where(OutboxMessage.job_id == OutboxJob.id, OutboxMessage.status.in_(OPEN))
        jobs = list(
            await self._session.scalars(
                select(OutboxJob).where(OutboxJob.status == JobStatus.QUEUED, ~pending)
            )
        )
        finished = []
        for job in jobs:
            result = await self._session.execute(
                update(OutboxJob)
                .where(OutboxJob.id == job.id, OutboxJob.status == JobStatus.QUEUED)
                .values(status=JobStatus.DONE, finished_at=self._clock.now())
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0):
                finished.append(job)
        return finished

    async def depth(self) -> int:
        """Messages still to send, of jobs that are queued."""
        return int(
            await self._session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .join(OutboxJob, OutboxJob.id == OutboxMessage.job_id)
                .where(OutboxMessage.status.in_(OPEN), OutboxJob.status == JobStatus.QUEUED)
            )
            or 0
        )


def _json_text_equals(column: Any, value: str) -> ColumnElement[bool]:
    """A JSON answer value equal to a string code, on both dialects (a JSON string: quoted)."""
    return cast(column, Text) == json.dumps(value)


def text_for(job: OutboxJob, language: str | None) -> str:
    """The job's text in the resident's language, or in the default language."""
    texts = job.texts
    default = str(texts.get("default", ""))
    chosen = texts.get(language or default) or texts.get(default)
    if chosen is None:  # no text in the default language either: any text there is
        chosen = next(v for k, v in texts.items() if k != "default")
    return str(chosen)


def label_for(job: OutboxJob, language: str | None) -> str | None:
    labels = job.button_labels or {}
    default = str(job.texts.get("default", ""))
    value = labels.get(language or default) or labels.get(default)
    return str(value) if value is not None else None
