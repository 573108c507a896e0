"""Offices: accounts, sessions, log-in attempts, audit log, export jobs, volunteer counters.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "office_users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(60), nullable=False),
        sa.Column("display_name", sa.String(60), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _when("created_at"),
        _when("password_changed_at"),
        sa.UniqueConstraint("username", name="uq_office_users_username"),
    )
    op.create_table(
        "office_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("office_users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("ip", sa.String(45), nullable=True),
        _when("created_at"),
        _when("last_seen_at"),
        _when("revoked_at", nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_office_sessions_token_hash"),
    )
    op.create_index("ix_office_sessions_user_id", "office_sessions", ["user_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(60), nullable=False),
        sa.Column("ip", sa.String(45), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        _when("at"),
    )
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "at"])
    op.create_index("ix_login_attempts_ip_at", "login_attempts", ["ip", "at"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        _when("at"),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("office_users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("unit", sa.String(64), nullable=True),
        sa.Column(
            "application_id",
            sa.Integer(),
            sa.ForeignKey("applications.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("ip", sa.String(45), nullable=True),
    )
    op.create_index("ix_audit_events_unit_at", "audit_events", ["unit", "at"])
    op.create_index("ix_audit_events_user_id", "audit_events", ["user_id"])
    op.create_index("ix_audit_events_application_id", "audit_events", ["application_id"])
    op.create_table(
        "export_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("office_users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("cache_key", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.UniqueConstraint("token", name="uq_export_jobs_token"),
    )
    op.create_index("ix_export_jobs_user_id", "export_jobs", ["user_id"])
    op.create_index("ix_export_jobs_cache_key", "export_jobs", ["cache_key"])
    op.create_table(
        "volunteer_counters",
        sa.Column("key", sa.String(160), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    # The office list filters by stage and sorts by submission time within a unit set.
    op.create_index("ix_applications_unit_submitted_at", "applications", ["unit", "submitted_at"])


def downgrade() -> None:
    op.drop_index("ix_applications_unit_submitted_at", table_name="applications")
    op.drop_table("volunteer_counters")
    op.drop_table("export_jobs")
    op.drop_table("audit_events")
    op.drop_table("login_attempts")
    op.drop_table("office_sessions")
    op.drop_table("office_users")
