"""Activities may be examples (issue 11): the demo publishes one, marked as such.

``make demo`` publishes the deployment's example activity (records.yaml's
``example_activity``) so that a newly registered volunteer can sign up; the site and the
service's own pages show it with the 示例 badge, as every invented thing in the data is.
Every activity stored before this revision is a real one.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(
            sa.Column("example", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("example")
