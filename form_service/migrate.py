"""Run the alembic migrations in ``form_service/migrations`` against an engine.

``pingan db upgrade`` calls this; so does ``create_app`` when ``AUTO_MIGRATE`` is on (the
default for SQLite, so the demo needs no setup step). With PostgreSQL, run
``pingan db upgrade`` once per release before starting the service instances.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to *revision* inside one transaction."""
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back down to *revision* inside one transaction."""
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, step, revision: str) -> None:
    """Run an alembic *step*; on SQLite with foreign keys off for its duration.

    SQLite cannot drop a constraint, so alembic's batch mode copies the table and drops
    the old one; with foreign keys on, that drop would first delete (or null) every row
    that refers to it (stage events, audit events). The pragma is a no-op inside a
    transaction, so it is set on the driver's connection before alembic begins one.

    On SQLite the transaction begins IMMEDIATE: alembic reads the version before it writes,
    and a plain BEGIN that read while another connection (a service instance, the queue's
    runner) committed could not then write ("database is locked", with no wait). Taking the
    write lock first makes the migration wait its turn like any other writer.
    """
    config = alembic_config(engine)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            connection.execution_options(sqlite_immediate=True)
        try:
            config.attributes["connection"] = connection
            step(config, revision)
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
