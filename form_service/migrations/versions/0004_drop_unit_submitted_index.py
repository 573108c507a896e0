"""Drop ix_applications_unit_submitted_at: (deployment, unit, submitted_at, id) covers it.

Every query that filters applications by unit also names the deployment (office lists,
exports, review), so 0003's ix_applications_deployment_unit_submitted serves them, and
the older (unit, submitted_at) index only cost space and upkeep on every write.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_applications_unit_submitted_at", table_name="applications")


def downgrade() -> None:
    op.create_index("ix_applications_unit_submitted_at", "applications", ["unit", "submitted_at"])
