"""Fixtures for the form service: ``app``, ``client``, ``applicant`` and databases.

Every app gets a fresh database and fixed keys, and "today" is frozen through the
``TODAY`` setting (2026-11-23, inside every demo campaign's window) rather than by
patching the clock. Storage tests take ``database_url``: SQLite always, PostgreSQL when
``PINGAN_TEST_POSTGRES_URL`` is set (a missing server fails under CI instead of skipping).
"""

from __future__ import annotations

from typing import Any

import pytest
from applicants import DEPLOYMENTS, TEST_KEYS, TODAY, Applicant, get_db_of
from flask.testing import FlaskClient
from postgres_server import fresh_postgres_database
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from form_service import create_app
from form_service.office.exports import wait_for_jobs

# --- databases ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    with fresh_postgres_database("pingan_test") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """Each storage test runs on SQLite and on PostgreSQL.

    Name it before ``make_app`` in a fixture's arguments: fixtures are closed in reverse,
    so the apps (and their outbox senders) close before the tables are emptied.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pingan.sqlite3'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("TRUNCATE applications, stage_events, idempotency_keys, outbox CASCADE")
            )
    finally:  # a failed TRUNCATE must not leave a connection open (a ResourceWarning)
        engine.dispose()


# --- apps ---------------------------------------------------------------------------------


class ClosingClient(FlaskClient):
    """A test client that reads each response whole and closes it, as a WSGI server does
    once it has sent it: a file response (export, built site page) left unread would keep its
    file open, a ResourceWarning that warnings-as-errors turns into a failure."""

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any):
        return super().open(*args, buffered=buffered, **kwargs)


@pytest.fixture
def make_app(tmp_path):
    """Build an app for a deployment; closes its database afterwards."""
    apps = []

    def build(deployment: str = "wujin", database_url: str | None = None, **config: Any):
        settings = {
            "TESTING": True,
            "DATA_DIR": str(DEPLOYMENTS[deployment]),
            "DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'pingan.sqlite3'}",
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "TODAY": TODAY,
            "RATELIMIT_ENABLED": False,
            "AUTO_MIGRATE": True,
            **TEST_KEYS,
            **config,
        }
        app = create_app(settings)
        app.test_client_class = ClosingClient
        apps.append(app)
        return app

    yield build
    for app in apps:
        # An export job's thread still holding a connection when the engine is disposed
        # would hand it back to the emptied pool, where it is later found open.
        wait_for_jobs(app)
        get_db_of(app).dispose()


@pytest.fixture
def app(make_app):
    return make_app("wujin")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def applicant(app):
    return Applicant(app)
