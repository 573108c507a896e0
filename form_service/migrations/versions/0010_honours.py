"""Honour nominations with consent and public notice (issue 12).

See ``form_service/honour_models.py`` for what the table holds.

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def _user(name: str) -> sa.Column:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey("office_users.id", ondelete="SET NULL"), nullable=True
    )


def upgrade() -> None:
    op.create_table(
        "honour_nominations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("deployment", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("honour", sa.String(60), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("deeds", sa.Text(), nullable=False),
        sa.Column("consent_date", sa.Date(), nullable=False),
        sa.Column("consent_method", sa.String(16), nullable=False),
        sa.Column("notice_starts", sa.Date(), nullable=False),
        sa.Column("notice_ends", sa.Date(), nullable=False),
        sa.Column("objections", sa.String(300), nullable=False),
        _user("nominated_by"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        _user("withdrawn_by"),
        sa.CheckConstraint("notice_starts <= notice_ends", name="ck_honour_nominations_notice"),
    )
    op.create_index(
        "ix_honour_nominations_deployment_unit", "honour_nominations", ["deployment", "unit"]
    )
    op.create_index(
        "ix_honour_nominations_key", "honour_nominations", ["deployment", "name", "honour", "year"]
    )


def downgrade() -> None:
    op.drop_table("honour_nominations")
