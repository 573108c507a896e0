"""The service type gets a column of its own, and stored answers are made printable.

The office list read the service type out of the JSON answers (``->>`` on PostgreSQL),
and PostgreSQL parses the whole ``json`` value to do that: one application stored before
the input rule, holding a lone surrogate escape ("\\ud800"), made the list fail for every
office above it. The column removes the JSON read from the list (and lets it filter by
an ordinary comparison). While every row's answers are read anyway, lone surrogates in
them become U+FFFD: they carry no meaning, and nothing can print them.

The answers are read as text and parsed by Python, whose JSON reader accepts a lone
surrogate escape. The downgrade moves the column back into the answers; the replaced
characters stay replaced.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BATCH = 1000
_SURROGATE = re.compile("[\ud800-\udfff]")


def _printable(value):
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_printable(key): _printable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_printable(item) for item in value]
    return value


def _answers_as_text(bind) -> sa.ColumnElement:
    column = sa.column("answers")
    return sa.cast(column, sa.Text) if bind.dialect.name == "postgresql" else column


def _rows(bind):
    """(id, answers text) in batches by id, so memory stays flat on a large table."""
    last = 0
    table = sa.table("applications", sa.column("id"))
    while True:
        batch = bind.execute(
            sa.select(table.c.id, _answers_as_text(bind))
            .select_from(table)
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        last = batch[-1][0]


def _write(bind, application_id: int, answers: dict, **columns) -> None:
    text = json.dumps(answers)
    value = sa.cast(sa.literal(text), sa.JSON) if bind.dialect.name == "postgresql" else text
    bind.execute(
        sa.table("applications", sa.column("id"), sa.column("answers"), *map(sa.column, columns))
        .update()
        .where(sa.column("id") == application_id)
        .values(answers=value, **columns)
    )


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("service_type", sa.String(64), nullable=True))
    bind = op.get_bind()
    for application_id, text in _rows(bind):
        answers = json.loads(text) if isinstance(text, str) else (text or {})
        cleaned = _printable(answers)
        service_type = cleaned.pop("service_type", None)
        if cleaned != answers or service_type is not None:
            _write(bind, application_id, cleaned, service_type=service_type)


def downgrade() -> None:
    bind = op.get_bind()
    table = sa.table("applications", sa.column("id"), sa.column("service_type"))
    moved = bind.execute(
        sa.select(table.c.id, table.c.service_type, _answers_as_text(bind))
        .select_from(table)
        .where(table.c.service_type.is_not(None))
    ).all()
    for application_id, service_type, text in moved:
        answers = json.loads(text) if isinstance(text, str) else dict(text or {})
        answers["service_type"] = service_type
        _write(bind, application_id, answers)
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("service_type")
