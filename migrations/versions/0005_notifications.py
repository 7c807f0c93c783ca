"""notifications: consents for messages, results links, the outbox, processed updates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 05:00:00

New consent kinds (notify_future, notify_results) need no change: the kind column is a plain string.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONValue = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notifications_asked_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "results_links",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_results_links_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_results_links_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("contact_id", "round_id", name=op.f("pk_results_links")),
    )
    with op.batch_alter_table("results_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_results_links_created_at"), ["created_at"], unique=False)

    op.create_table(
        "outbox_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("broadcast", "reminder", "results", name="jobkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "awaiting_approval",
                "queued",
                "done",
                "cancelled",
                name="jobstatus",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("texts", JSONValue, nullable=False),
        sa.Column("button_labels", JSONValue, nullable=True),
        sa.Column("button_url", sa.String(length=256), nullable=True),
        sa.Column("attachment_kind", sa.String(length=16), nullable=True),
        sa.Column("attachment_file_id", sa.String(length=256), nullable=True),
        sa.Column("filters", JSONValue, nullable=True),
        sa.Column("once_key", sa.String(length=64), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=24), nullable=True),
        sa.Column("approved_by", sa.String(length=24), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_outbox_jobs_round_id_rounds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_jobs")),
        sa.UniqueConstraint("once_key", name=op.f("uq_outbox_jobs_once_key")),
    )
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_jobs_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_jobs_status"), ["status"], unique=False)

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "sending",
                "sent",
                "failed",
                "blocked",
                "skipped",
                name="deliverystatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_outbox_messages_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["outbox_jobs.id"],
            name=op.f("fk_outbox_messages_job_id_outbox_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("job_id", "contact_id", name=op.f("uq_outbox_messages_job_id_contact_id")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_messages_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index("ix_outbox_messages_status_job", ["status", "job_id"], unique=False)

    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processed_updates_processed_at"), ["processed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_updates_processed_at"))
    op.drop_table("processed_updates")

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_status_job")
        batch_op.drop_index(batch_op.f("ix_outbox_messages_contact_id"))
    op.drop_table("outbox_messages")

    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_jobs_status"))
        batch_op.drop_index(batch_op.f("ix_outbox_jobs_round_id"))
    op.drop_table("outbox_jobs")

    with op.batch_alter_table("results_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_results_links_created_at"))
    op.drop_table("results_links")

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("notifications_asked_at")
