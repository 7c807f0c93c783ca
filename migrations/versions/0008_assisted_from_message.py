"""assisted responses remember where the interview began in the worker's chat, so that the chat can be
cleared of the resident's answers once the interview is sent or abandoned

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 12:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assisted_from_message_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("assisted_from_message_id")
