"""Fixtures for the offices: apps per scheme, office accounts, applicants.

``office_app(name)`` builds an app for wujin, shanxi-youth, expo-town, directed-town or
chongqing; ``office(app, unit, role)`` gives a logged-in office client.
"""

from __future__ import annotations

import pytest
from offices import OFFICE_DEPLOYMENTS, Office, OfficeApplicant
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

#: Every table, children first: a PostgreSQL test leaves the shared database empty.
TABLES = (
    "honour_nominations, star_awards, point_awards, attendances, activity_signups, activities, "
    "volunteer_unit_totals, volunteer_records, "
    "audit_events, export_jobs, office_sessions, login_attempts, office_users, "
    "volunteer_counters, outbox, idempotency_keys, stage_events, applications"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def office_database_url(request, tmp_path):
    """Every office test runs on SQLite and, with PINGAN_TEST_POSTGRES_URL, on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'office.sqlite3'}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {TABLES} CASCADE"))
    finally:  # a failed TRUNCATE must not leave a connection open (a ResourceWarning)
        engine.dispose()


@pytest.fixture
def office_app(office_database_url, make_app):
    # The database first, so that it is cleaned after the apps are closed: an app's
    # outbox sender may still hold a lock that TRUNCATE would wait on (a deadlock).
    def build(name: str = "wujin", **config):
        if name in OFFICE_DEPLOYMENTS:
            config.setdefault("DATA_DIR", str(OFFICE_DEPLOYMENTS[name]))
            name = "wujin"
        config.setdefault("SMTP", None)
        config.setdefault("DATABASE_URL", office_database_url)
        return make_app(name, **config)

    return build


@pytest.fixture
def app(office_app):
    return office_app("wujin")


@pytest.fixture
def office():
    def login(app, unit: str, role: str = "reviewer", username: str | None = None) -> Office:
        account = Office(app, unit, role, username)
        response = account.login()
        assert response.status_code == 303, response.data.decode()[:500]
        return account

    return login


@pytest.fixture
def applicant(app):
    return OfficeApplicant(app)


@pytest.fixture
def applicant_of():
    def make(app, campaign: str) -> OfficeApplicant:
        return OfficeApplicant(app, campaign)

    return make
