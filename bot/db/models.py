"""The schema. Only `contacts` holds Telegram user or chat ids; everything else refers to people by
random or internal ids, so answers and exports stay pseudonymous."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.db.types import JSONValue, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _values(kind: type[enum.StrEnum]) -> list[str]:
    """Store enum values ("in_progress"), not member names."""
    return [member.value for member in kind]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ResponseStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class ConsentKind(enum.StrEnum):
    PRIVACY_NOTICE = "privacy_notice"
    NOTIFY_FUTURE = "notify_future"  # tell me about future consultations (invitations, reminders)
    NOTIFY_RESULTS = "notify_results"  # tell me what comes of the consultations I answered


class LinkKind(enum.StrEnum):
    """Who a survey link is for: a community worker's own link, or staff's for an organisation or a
    channel (a poster campaign, a school, a radio spot)."""

    WORKER = "worker"
    CAMPAIGN = "campaign"


class Contact(Base):
    """A person reachable on Telegram. The one table that knows who someone is."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Telegram's name, kept only for people with a role, so admins can tell colleagues apart.
    display_name: Mapped[str | None] = mapped_column(String(128))
    # Set when Telegram says the person blocked the bot; cleared when they come back.
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When we asked (once, after their first completed survey) about future consultations.
    notifications_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Consent(Base):
    """An acknowledgement or consent, with the version and language of the text the person saw."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_contact_kind", "contact_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    kind: Mapped[ConsentKind] = mapped_column(
        Enum(ConsentKind, native_enum=False, length=32, values_callable=_values)
    )
    version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SurveyVersion(Base):
    """One version of a survey file, as staff wrote it (the YAML source is the definition)."""

    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("slug", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    structure_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Round(Base):
    """One survey version open to residents for a period."""

    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"))
    title: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(String(64), unique=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    survey: Mapped[SurveyVersion] = relationship(lazy="raise")

    def is_open(self, at: datetime) -> bool:
        if self.closed_at is not None and self.closed_at <= at:
            return False
        if self.closes_at is not None and self.closes_at <= at:
            return False
        return self.opens_at <= at


class Respondent(Base):
    """A random, per-round stand-in for a person; the link to the contact can be cut (retention, /forget)."""

    __tablename__ = "respondents"
    __table_args__ = (UniqueConstraint("contact_id", "round_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Response(Base):
    """A respondent's answers to one round, and where they are in it."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    respondent_id: Mapped[str] = mapped_column(ForeignKey("respondents.id", ondelete="CASCADE"), unique=True)
    language: Mapped[str] = mapped_column(String(16))
    status: Mapped[ResponseStatus] = mapped_column(
        Enum(ResponseStatus, native_enum=False, length=16, values_callable=_values),
        default=ResponseStatus.IN_PROGRESS,
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str | None] = mapped_column(String(64))
    current_question: Mapped[str | None] = mapped_column(String(64))
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Assisted interviews: a community worker answers with a resident beside them. The response has its
    # own respondent without a contact; `assisted_by` is the worker's contact only while the interview
    # runs (so their buttons reach it) and is cleared at Submit; the resident's agreement, given through
    # the worker, is recorded as the privacy notice version read to them.
    assisted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    assisted_by: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    assisted_consent_version: Mapped[int | None] = mapped_column(Integer)
    # The first message of the interview in the worker's chat: from it on, the chat shows the resident's
    # answers, and it is cleared of them when the interview is sent or abandoned.
    assisted_from_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # A keyed hash (HMAC with PSEUDONYM_KEY) of the receipt code the resident was given: never the code.
    receipt_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The chat's message id of the last typed (or voice) answer stored. Message ids of a private chat count
    # the bot's messages and the person's alike, so a typed message numbered just after it was sent before
    # the bot's reply (the next question) reached them: it is not taken as that question's answer.
    last_typed_message_id: Mapped[int | None] = mapped_column(BigInteger)

    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012 - SQLAlchemy reads a plain dict


class Answer(Base):
    """One answer, typed (choice ids, numbers, ISO dates, text), never a label."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    other_text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FsmRecord(Base):
    """aiogram FSM state when no Redis is configured. The key is a keyed hash, never raw ids."""

    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Role(enum.StrEnum):
    """What a person may do beyond answering. Residents have no row; ADMIN_IDS are admins by configuration."""

    ADMIN = "admin"
    STAFF = "staff"
    WORKER = "worker"


class Actor(Base):
    """A random, stable id for a person named in the audit log. Deleting the contact deletes this row, so
    the log's entries keep an id that no longer leads to anyone."""

    __tablename__ = "actors"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StaffRole(Base):
    """A role given by an admin (directly or by invitation). `granted_by` is an actor id, not a foreign
    key, so it survives the granter's deletion. The person's name, for admins' lists, is on the contact."""

    __tablename__ = "staff_roles"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16, values_callable=_values))
    organisation: Mapped[str | None] = mapped_column(String(120))
    granted_by: Mapped[str | None] = mapped_column(String(16))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Invitation(Base):
    """A single-use deep link that gives its opener a role (and, for a worker, an organisation)."""

    __tablename__ = "invitations"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16, values_callable=_values))
    organisation: Mapped[str | None] = mapped_column(String(120))
    created_by: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by: Mapped[str | None] = mapped_column(String(16))


class Link(Base):
    """A deep link into a round (`w-…`) that tells which organisation or channel brought a response.

    Responses keep the code in `source`; figures and exports show the label. `owner_contact_id` (a
    worker's own link) is used only to give the worker their link and their counts: never exported or shown
    to staff.
    """

    __tablename__ = "links"
    __table_args__ = (UniqueConstraint("round_id", "owner_contact_id"),)

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[LinkKind] = mapped_column(
        Enum(LinkKind, native_enum=False, length=16, values_callable=_values)
    )
    owner_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    created_by: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """One staff action or refused attempt; append-only. Actors and targets are ids, never Telegram ids."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target_action", "target", "action"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str | None] = mapped_column(String(24))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(48))
    target: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)


class ResultsLink(Base):
    """A resident who completed a round and asked to hear what comes of it. Kept for that purpose only:
    deleted when the round's results are sent, or after RETENTION_DAYS."""

    __tablename__ = "results_links"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class JobKind(enum.StrEnum):
    BROADCAST = "broadcast"  # an invitation to a round
    REMINDER = "reminder"  # a nudge to finish a round
    RESULTS = "results"  # "you said, we did"


class JobStatus(enum.StrEnum):
    DRAFT = "draft"  # previewed, not confirmed
    AWAITING_APPROVAL = (
        "awaiting_approval"  # above BROADCAST_APPROVAL_OVER: a second staff member must approve
    )
    QUEUED = "queued"  # the sender delivers it
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a sender
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"  # the resident blocked the bot
    SKIPPED = "skipped"  # no longer consents, or job cancelled


class OutboxJob(Base):
    """A message to many residents: texts per language, who gets it, and where it stands."""

    __tablename__ = "outbox_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[JobKind] = mapped_column(
        Enum(JobKind, native_enum=False, length=16, values_callable=_values)
    )
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, native_enum=False, length=24, values_callable=_values), index=True
    )
    texts: Mapped[dict[str, Any]] = mapped_column(JSONValue)  # language -> text
    button_labels: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)  # language -> label
    button_url: Mapped[str | None] = mapped_column(String(256))
    attachment_kind: Mapped[str | None] = mapped_column(String(16))  # photo | document
    attachment_file_id: Mapped[str | None] = mapped_column(String(256))
    filters: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)  # {"languages": [...], "district": ...}
    # Set for jobs that may exist once per round (reminders, results); cleared when cancelled.
    once_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str | None] = mapped_column(String(24))
    approved_by: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    """One job's delivery to one resident: at most one per (job, contact), claimed by one sender."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("job_id", "contact_id"),
        Index("ix_outbox_messages_status_job", "status", "job_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("outbox_jobs.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, native_enum=False, length=16, values_callable=_values)
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(String(64))


class ProcessedUpdate(Base):
    """A Telegram update taken up for processing, written in the update's first transaction; `completed`
    once its last transaction commits (on PostgreSQL an update is one transaction, completed from the
    start). A second delivery of a completed update is skipped; one of an update that stopped half-way
    (bot/commit_point.py) is processed again. Purged after a day."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    completed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=true())
