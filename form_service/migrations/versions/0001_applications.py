"""Applications, their stage history and API idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("deployment", sa.String(64), nullable=False),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(80), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("id_type", sa.String(32), nullable=False),
        sa.Column("id_hmac", sa.String(64), nullable=False),
        sa.Column("id_encrypted", sa.Text(), nullable=False),
        sa.Column("id_last4", sa.String(4), nullable=False),
        sa.Column("sex", sa.String(2), nullable=True),
        sa.Column("birth_month", sa.String(7), nullable=True),
        sa.Column("mobile_encrypted", sa.Text(), nullable=True),
        sa.Column("sensitive_encrypted", sa.Text(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("declarations", sa.JSON(), nullable=False),
        sa.Column("consent_notice", sa.Boolean(), nullable=False),
        sa.Column("consent_sensitive", sa.Boolean(), nullable=False),
        sa.Column("notice_version", sa.String(80), nullable=False),
        sa.Column("via", sa.String(20), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("volunteer_number", sa.String(40), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("reference"),
        sa.UniqueConstraint("scope", "id_hmac", name="uq_applications_scope_id_hmac"),
        sa.UniqueConstraint(
            "deployment", "volunteer_number", name="uq_applications_volunteer_number"
        ),
    )
    op.create_index(
        "ix_applications_campaign_unit_stage", "applications", ["campaign", "unit", "stage"]
    )
    op.create_index("ix_applications_id_hmac", "applications", ["id_hmac"])
    op.create_index("ix_applications_unit", "applications", ["unit"])
    op.create_index("ix_applications_name", "applications", ["name"])
    op.create_table(
        "stage_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "application_id",
            sa.Integer(),
            sa.ForeignKey("applications.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("from_stage", sa.String(32), nullable=True),
        sa.Column("to_stage", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_stage_events_application_id", "stage_events", ["application_id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("request_hmac", sa.String(64), nullable=False),
        sa.Column(
            "application_id",
            sa.Integer(),
            sa.ForeignKey("applications.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("campaign", "key", name="uq_idempotency_campaign_key"),
    )
    op.create_index("ix_idempotency_keys_application_id", "idempotency_keys", ["application_id"])


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("stage_events")
    op.drop_table("applications")
