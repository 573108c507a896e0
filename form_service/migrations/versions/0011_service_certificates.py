"""Certificates of service record with their verification codes (issue 11).

See ``form_service/certificate_models.py`` for what the table holds.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_certificates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("deployment", sa.String(64), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column(
            "record_id",
            sa.Integer(),
            sa.ForeignKey("volunteer_records.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("volunteer_number", sa.String(40), nullable=False),
        sa.Column("volunteer_unit", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("activities", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column(
            "issued_by",
            sa.Integer(),
            sa.ForeignKey("office_users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("deployment", "code", name="uq_service_certificates_code"),
    )
    op.create_index("ix_service_certificates_record", "service_certificates", ["record_id"])


def downgrade() -> None:
    op.drop_table("service_certificates")
