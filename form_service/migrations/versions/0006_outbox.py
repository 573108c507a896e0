"""Outbox: e-mails and text messages stored with the decision that causes them.

Until now a message lived in the process's memory between the commit and the send, so a
restart lost it. Each message is now a row written in the decision's own transaction and
sent afterwards by ``form_service/office/notify.py`` (see ``OutboxMessage``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "application_id",
            sa.Integer(),
            sa.ForeignKey("applications.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(120), nullable=True),
    )
    op.create_index("ix_outbox_state_next_try_at", "outbox", ["state", "next_try_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_state_next_try_at", table_name="outbox")
    op.drop_table("outbox")
