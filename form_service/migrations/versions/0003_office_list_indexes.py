"""Office list indexes: keyset pages by (submitted_at, id), for the whole tree or a unit set.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_applications_deployment_submitted",
        "applications",
        ["deployment", "submitted_at", "id"],
    )
    op.create_index(
        "ix_applications_deployment_unit_submitted",
        "applications",
        ["deployment", "unit", "submitted_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_applications_deployment_unit_submitted", table_name="applications")
    op.drop_index("ix_applications_deployment_submitted", table_name="applications")
