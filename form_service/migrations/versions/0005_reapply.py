"""Re-applying after 退回 or 撤回: one open application per person and scope, not one ever.

``UNIQUE (scope, id_hmac)`` made a rejected application block its applicant for good. It
becomes a partial unique index over the applications that are still open, pending or
registered (every stage but ``rejected`` and ``withdrawn``), so a rejected or withdrawn
application stays in the history beside the new one. SQLite and PostgreSQL both build
``CREATE UNIQUE INDEX … WHERE``. ``stage_events.unit`` records the unit of the office that
made a change: Chongqing's 上一级审核 must be passed by an office above the one that
passed 初审, whatever happens to its account later (earlier events get the unit of their
account, where it still exists).

On SQLite dropping a table constraint recreates the table (alembic's batch mode);
``form_service.migrate`` runs migrations with foreign keys off, or dropping the old table
would cascade to the stage events and audit log.

The downgrade cannot hold two rows of one person and scope under the old constraint: the
closed ones (rejected or withdrawn) that share their scope with another row get their id
appended to the scope (``campaign:x#17``), which the old code never reads back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: Frozen here as the migration wrote it; the model takes it from pingan.review.
OPEN = sa.text("stage NOT IN ('rejected', 'withdrawn')")


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_constraint("uq_applications_scope_id_hmac", type_="unique")
    op.create_index(
        "uq_applications_open_scope_id_hmac",
        "applications",
        ["scope", "id_hmac"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    with op.batch_alter_table("stage_events") as batch:
        batch.add_column(sa.Column("unit", sa.String(64), nullable=True))
    # Decisions made so far: the unit of the account that made them, where it still exists.
    op.execute(
        """
        UPDATE stage_events SET unit = (
            SELECT office_users.unit FROM office_users
            WHERE 'user:' || CAST(office_users.id AS VARCHAR(12)) = stage_events.actor
        )
        WHERE actor LIKE 'user:%'
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("stage_events") as batch:
        batch.drop_column("unit")
    op.drop_index("uq_applications_open_scope_id_hmac", table_name="applications")
    op.execute(
        """
        UPDATE applications SET scope = scope || '#' || CAST(id AS VARCHAR(12))
        WHERE stage IN ('rejected', 'withdrawn')
          AND EXISTS (
            SELECT 1 FROM applications AS other
            WHERE other.scope = applications.scope
              AND other.id_hmac = applications.id_hmac
              AND other.id <> applications.id
          )
        """
    )
    with op.batch_alter_table("applications") as batch:
        batch.create_unique_constraint("uq_applications_scope_id_hmac", ["scope", "id_hmac"])
