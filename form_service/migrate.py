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
    config = alembic_config(engine)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()
