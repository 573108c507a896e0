"""Statements on the driver (``form_service.driver``) store what SQLAlchemy would store.

The submission path inserts on the DBAPI cursor; these tests put the same values in through
SQLAlchemy Core and through the driver and compare the stored rows as the database holds
them (dates as text on SQLite, JSON, booleans), and check the columns' Python-side defaults
and a rolled-back transaction.
"""

from __future__ import annotations

import datetime

import pytest
from applicants import get_db_of
from sqlalchemy import insert, select

from form_service import driver
from form_service.models import Application
from form_service.office_models import OutboxMessage

MOMENT = datetime.datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=datetime.UTC)


def application_row(reference: str, hmac: str) -> dict:
    return {
        "reference": reference,
        "deployment": "wujin",
        "campaign": "wujin-2026",
        "unit": "湖塘镇",
        "stage": "submitted",
        "scope": "wujin-2026",
        "name": "张示例",
        "id_type": "resident_id",
        "id_hmac": hmac,
        "id_encrypted": "token",
        "id_last4": "123X",
        "answers": {"email": "a@example.com", "availability": ["周一", "周二"]},
        "declarations": ["truthful"],
        "consent_notice": True,
        "consent_sensitive": False,
        "notice_version": "v1",
        "channel": "api",
        "submitted_at": MOMENT,
        "updated_at": MOMENT,
    }


@pytest.fixture
def database(database_url, make_app):
    return get_db_of(make_app("wujin", database_url))


def stored_as_held(database, reference: str) -> dict:
    """The row as the database holds it, without SQLAlchemy's result processing."""
    with database.engine.connect() as connection:
        result = connection.exec_driver_sql(
            "SELECT * FROM applications WHERE reference = "
            + ("?" if database.is_sqlite else "%(reference)s"),
            (reference,) if database.is_sqlite else {"reference": reference},
        )
        row = dict(zip(result.keys(), result.one(), strict=True))
    for own in ("id", "reference", "id_hmac"):
        row.pop(own)
    return row


def test_a_row_inserted_on_the_driver_is_stored_as_sqlalchemy_stores_it(database):
    with database.engine.begin() as connection:
        connection.execute(insert(Application.__table__), application_row("CORE000001", "h1"))
    statement = driver.insert_statement(Application.__table__, database.engine.dialect)
    with driver.connect(database) as connection, connection.transaction() as cursor:
        cursor.execute(statement, application_row("DRIVER0001", "h2"))
    assert stored_as_held(database, "DRIVER0001") == stored_as_held(database, "CORE000001")
    with database.sessions() as session:
        application = session.scalars(
            select(Application).where(Application.reference == "DRIVER0001")
        ).one()
    assert application.answers["availability"] == ["周一", "周二"]
    assert application.consent_notice is True and application.consent_sensitive is False
    assert application.submitted_at.replace(tzinfo=datetime.UTC) == MOMENT


def test_columns_left_out_get_their_python_side_defaults(database):
    statement = driver.insert_statement(OutboxMessage.__table__, database.engine.dialect)
    values = {"channel": "email", "recipient": "a@example.com", "body": "正文"}
    with driver.connect(database) as connection, connection.transaction() as cursor:
        cursor.execute(statement, values)
    with database.sessions() as session:
        message = session.scalars(select(OutboxMessage)).one()
    assert message.state == "pending" and message.attempts == 0
    assert message.next_try_at is not None and message.created_at is not None
    assert message.subject is None and message.sent_at is None


def test_an_exception_in_the_transaction_stores_nothing(database):
    statement = driver.insert_statement(Application.__table__, database.engine.dialect)
    with pytest.raises(RuntimeError), driver.connect(database) as connection:
        with connection.transaction() as cursor:
            cursor.execute(statement, application_row("ROLLBACK01", "h3"))
            raise RuntimeError("after the insert")
    with database.sessions() as session:
        assert session.scalars(select(Application)).all() == []


def test_a_unique_violation_is_the_drivers_integrity_error_and_the_connection_goes_on(database):
    statement = driver.insert_statement(Application.__table__, database.engine.dialect)
    integrity_error = database.engine.dialect.loaded_dbapi.IntegrityError
    with driver.connect(database) as connection:
        with connection.transaction() as cursor:
            cursor.execute(statement, application_row("UNIQUE0001", "h4"))
        with pytest.raises(integrity_error), connection.transaction() as cursor:
            cursor.execute(statement, application_row("UNIQUE0001", "h5"))
        assert connection.read(
            driver.Statement(
                select(Application.reference).where(Application.reference == "UNIQUE0001"),
                database.engine.dialect,
            ),
            {},
        ) == [("UNIQUE0001",)]
