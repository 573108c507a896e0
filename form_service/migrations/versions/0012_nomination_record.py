"""Honour nominations may name the volunteer record they were picked from (issue 12).

An office nominating from its volunteers' records links the nomination to the record, so
the honour roll can show the recorded stars, points and hours instead of figures typed by
hand. The link is nullable (nominations typed by hand, and every nomination made before
this revision, have none) and is cleared if the record is ever deleted.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("honour_nominations") as batch:
        batch.add_column(sa.Column("record_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_honour_nominations_record_id",
            "volunteer_records",
            ["record_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_honour_nominations_record", ["record_id"])


def downgrade() -> None:
    with op.batch_alter_table("honour_nominations") as batch:
        batch.drop_index("ix_honour_nominations_record")
        batch.drop_constraint("fk_honour_nominations_record_id", type_="foreignkey")
        batch.drop_column("record_id")
