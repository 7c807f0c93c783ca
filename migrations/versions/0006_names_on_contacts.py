"""names of people with a role move to contacts, the one table that says who someone is

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 04:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=128), nullable=True))
    op.execute(
        "UPDATE contacts SET display_name = "
        "(SELECT name FROM staff_roles WHERE staff_roles.contact_id = contacts.id)"
    )
    with op.batch_alter_table("staff_roles", schema=None) as batch_op:
        batch_op.drop_column("name")


def downgrade() -> None:
    with op.batch_alter_table("staff_roles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=128), nullable=True))
    op.execute(
        "UPDATE staff_roles SET name = (SELECT display_name FROM contacts WHERE contacts.id = staff_roles.contact_id)"
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("display_name")
