"""Volunteers' records, activities, sign-ups, attendance and awards (issue 11).

See ``form_service/volunteer_models.py`` for what each table holds. Volunteers registered
before this migration get their record here: one per person and deployment, from the
person's first application that holds a volunteer number (numbers are given only on
registration), with the default role and empty totals; each unit's count of placed
volunteers follows from them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _zero(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=False, server_default="0")


def _user(name: str) -> sa.Column:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey("office_users.id", ondelete="SET NULL"), nullable=True
    )


def _record() -> sa.Column:
    return sa.Column(
        "record_id",
        sa.Integer(),
        sa.ForeignKey("volunteer_records.id", ondelete="CASCADE"),
        nullable=False,
    )


def _activity() -> sa.Column:
    return sa.Column(
        "activity_id",
        sa.Integer(),
        sa.ForeignKey("activities.id", ondelete="CASCADE"),
        nullable=False,
    )


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "volunteer_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("deployment", sa.String(64), nullable=False),
        sa.Column("id_hmac", sa.String(64), nullable=False),
        sa.Column("volunteer_number", sa.String(40), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("id_last4", sa.String(4), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        _zero("minutes"),
        _zero("points"),
        _zero("activities"),
        _zero("trainings"),
        _zero("stars"),
        sa.Column("star_source", sa.String(16), nullable=True),
        sa.Column(
            "first_application_id",
            sa.Integer(),
            sa.ForeignKey("applications.id", ondelete="SET NULL"),
            nullable=True,
        ),
        _zero("failed_lookups"),
        _time("lookup_locked_until", nullable=True),
        _time("registered_at"),
        _time("updated_at"),
        sa.UniqueConstraint("deployment", "id_hmac", name="uq_volunteer_records_id_hmac"),
        sa.UniqueConstraint("deployment", "volunteer_number", name="uq_volunteer_records_number"),
    )
    op.create_index(
        "ix_volunteer_records_deployment_unit", "volunteer_records", ["deployment", "unit"]
    )
    op.create_table(
        "volunteer_unit_totals",
        sa.Column("deployment", sa.String(64), primary_key=True),
        sa.Column("unit", sa.String(64), primary_key=True),
        _zero("volunteers"),
        _zero("minutes"),
        _zero("points"),
        _zero("attendances"),
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("deployment", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("service_type", sa.String(64), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        _time("starts_at"),
        _time("ends_at"),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        _zero("places_taken"),
        sa.Column("requirements", sa.Text(), nullable=False),
        sa.Column("open_to", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        _user("created_by"),
        _time("created_at"),
        _time("published_at", nullable=True),
        _time("updated_at"),
        sa.CheckConstraint("places_taken <= places", name="ck_activities_places"),
    )
    op.create_index(
        "ix_activities_deployment_unit_starts", "activities", ["deployment", "unit", "starts_at"]
    )
    op.create_index(
        "ix_activities_deployment_state_starts",
        "activities",
        ["deployment", "state", "starts_at"],
    )
    op.create_table(
        "activity_signups",
        sa.Column("id", sa.Integer(), primary_key=True),
        _activity(),
        _record(),
        sa.Column("state", sa.String(16), nullable=False),
        _time("created_at"),
        _time("cancelled_at", nullable=True),
        sa.UniqueConstraint("activity_id", "record_id", name="uq_activity_signups_volunteer"),
    )
    op.create_index("ix_activity_signups_record", "activity_signups", ["record_id"])
    op.create_table(
        "attendances",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("deployment", sa.String(64), nullable=False),
        _activity(),
        _record(),
        sa.Column("unit", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("service_type", sa.String(64), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        _user("recorded_by"),
        _time("recorded_at"),
        _time("updated_at"),
        sa.UniqueConstraint("activity_id", "record_id", name="uq_attendances_volunteer"),
    )
    op.create_index("ix_attendances_record", "attendances", ["record_id"])
    op.create_index(
        "ix_attendances_deployment_unit_recorded",
        "attendances",
        ["deployment", "unit", "recorded_at"],
    )
    op.create_table(
        "point_awards",
        sa.Column("id", sa.Integer(), primary_key=True),
        _record(),
        sa.Column("award", sa.String(64), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("unit", sa.String(64), nullable=False),
        _user("awarded_by"),
        _time("awarded_at"),
    )
    op.create_index("ix_point_awards_record_id", "point_awards", ["record_id"])
    op.create_table(
        "star_awards",
        sa.Column("id", sa.Integer(), primary_key=True),
        _record(),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(64), nullable=False),
        _user("awarded_by"),
        _time("awarded_at"),
        sa.Column("evidence", sa.JSON(), nullable=False),
    )
    op.create_index("ix_star_awards_record_id", "star_awards", ["record_id"])
    _records_of_registered_volunteers()


def _records_of_registered_volunteers() -> None:
    """A record per person already registered: their first numbered application's data."""
    op.execute(
        """
        INSERT INTO volunteer_records (
            deployment, id_hmac, volunteer_number, name, id_last4, unit, skills,
            first_application_id, registered_at, updated_at
        )
        SELECT a.deployment, a.id_hmac, a.volunteer_number, a.name, a.id_last4, a.unit, '[]',
               a.id, a.updated_at, a.updated_at
        FROM applications a
        WHERE a.volunteer_number IS NOT NULL
          AND a.id = (
              SELECT min(b.id) FROM applications b
              WHERE b.deployment = a.deployment AND b.id_hmac = a.id_hmac
                AND b.volunteer_number IS NOT NULL
          )
        """
    )
    op.execute(
        """
        INSERT INTO volunteer_unit_totals (deployment, unit, volunteers)
        SELECT deployment, unit, count(*) FROM volunteer_records GROUP BY deployment, unit
        """
    )


def downgrade() -> None:
    for table in (
        "star_awards",
        "point_awards",
        "attendances",
        "activity_signups",
        "activities",
        "volunteer_unit_totals",
        "volunteer_records",
    ):
        op.drop_table(table)
