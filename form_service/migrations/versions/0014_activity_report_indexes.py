"""Indexes for the activity reports at scale (issue 11's benchmark).

With a million volunteers and ten million attendances (``benchmarks/volunteers.py``) the
minimum report read a month of every unit's activities through ``(deployment, state,
starts_at)`` and the training report every training of the year. ``(deployment, unit, kind,
state, starts_at)`` answers both for the units asked about, and counts without reading the
rows; ``(deployment, open_to, kind, state, starts_at)`` finds the sessions open to every
volunteer of the scheme.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_activities_unit_kind_state_starts",
        "activities",
        ["deployment", "unit", "kind", "state", "starts_at"],
    )
    op.create_index(
        "ix_activities_open_to_kind_state_starts",
        "activities",
        ["deployment", "open_to", "kind", "state", "starts_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_activities_open_to_kind_state_starts", table_name="activities")
    op.drop_index("ix_activities_unit_kind_state_starts", table_name="activities")
