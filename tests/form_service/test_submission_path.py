"""The submission path under load: what the duplicate check reads, what the write lock holds,
and what the rate limiter costs (issue 13; the speed itself is ``make bench`` ``submit``).

The plan test stores enough applications that a wrong index costs a scan of them, and gives
the planner real statistics (``ANALYZE`` on PostgreSQL, the service's bounded ``ANALYZE`` on
SQLite), so its choice is the one a large deployment would get.
"""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from applicants import TODAY, Applicant, get_db_of, stored
from sqlalchemy import event, insert, select

from form_service.applications import identity_hash, submit
from form_service.models import Application, StageEvent

#: Enough rows of one deployment that reading them all is the costliest plan by far.
ROWS = 20_000
BATCH = 5_000


def bulk_store(app, count: int) -> None:
    """*count* applications of Wujin's campaign in its towns, straight into the table."""
    form = app.extensions["pingan_forms"]["wujin-2026"]
    cipher = app.extensions["pingan_cipher"]
    units = [unit for unit, _ in form["unit"].choices]
    start = datetime.datetime(2026, 9, 1, tzinfo=datetime.UTC)
    encrypted = cipher.encrypt("320412199005171234")
    database = get_db_of(app)
    for first in range(0, count, BATCH):
        rows = [
            {
                "reference": f"B{n:09d}",
                "deployment": form.deployment.id,
                "campaign": form.campaign.id,
                "unit": units[n % len(units)],
                "stage": "submitted",
                "scope": form.scope,
                "name": f"示例{n}",
                "id_type": "resident_id",
                "id_hmac": identity_hash(cipher, "resident_id", f"bulk-{n}"),
                "id_encrypted": encrypted,
                "id_last4": f"{n % 10_000:04d}",
                "answers": {},
                "declarations": [],
                "notice_version": form.notice_version,
                "channel": "import",
                "submitted_at": start + datetime.timedelta(seconds=n),
                "updated_at": start + datetime.timedelta(seconds=n),
            }
            for n in range(first, min(first + BATCH, count))
        ]
        with database.write() as session:
            session.execute(insert(Application), rows)


class Statements:
    """The SQL a database runs in this thread during a block (the test client's request; not
    the app's background jobs), each with its parameters and whether it ran in a write
    transaction: through SQLAlchemy (``Database.write``) or on the driver (``driver.py``)."""

    def __init__(self, database):
        self.database = database
        self.thread = threading.get_ident()
        self.seen: list[tuple[str, object, bool]] = []

    def __enter__(self):
        event.listen(self.database.engine, "before_cursor_execute", self._record)
        self.database.statement_listeners.append(self._record_driver)
        return self

    def __exit__(self, *_exc):
        event.remove(self.database.engine, "before_cursor_execute", self._record)
        self.database.statement_listeners.remove(self._record_driver)

    def _record(self, conn, _cursor, statement, parameters, _context, _many):
        writing = bool(conn.get_execution_options().get("sqlite_immediate"))
        self._record_driver(statement, parameters, writing)

    def _record_driver(self, statement, parameters, writing):
        if threading.get_ident() == self.thread:
            self.seen.append((statement, parameters, writing))


def explain(engine, statement: str, parameters) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return " / ".join(row[-1] for row in rows)
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        return " / ".join(row[0].strip() for row in rows)


@pytest.fixture
def storage_app(database_url, make_app):
    return make_app("wujin", database_url)


def test_the_duplicate_check_reads_by_the_identity_index(storage_app):
    database = get_db_of(storage_app)
    bulk_store(storage_app, ROWS)
    if database.is_sqlite:
        database.refresh_statistics()  # what the office list does every few minutes
    else:
        with database.engine.connect() as connection:  # what autovacuum soon does
            connection.exec_driver_sql("ANALYZE applications")
            connection.commit()
    applicant = Applicant(storage_app)
    with Statements(database) as statements:
        response = applicant.submit()
    assert response.status_code == 303
    checks = [
        (statement, parameters)
        for statement, parameters, _writing in statements.seen
        if statement.lstrip().upper().startswith("SELECT")
        and "FROM applications" in statement
        and "id_hmac" in statement
    ]
    assert len(checks) == 1, [s for s, *_ in statements.seen]
    # No condition a plan made without statistics could serve from the deployment's index
    # (it did, reading the whole deployment per look-up, before the first ANALYZE).
    assert "deployment" not in checks[0][0].split("WHERE", 1)[1]
    plan = explain(database.engine, *checks[0])
    assert "ix_applications_id_hmac" in plan, plan
    assert "deployment" not in plan.split("Filter")[0].replace("ix_applications_id_hmac", "")
    assert "SCAN applications" not in plan and "Seq Scan" not in plan, plan


def test_the_write_transaction_holds_only_the_inserts(storage_app):
    """Validation, encryption and the duplicate look-up happen before the write transaction
    (SQLite's write lock holds the whole database); PostgreSQL stores the row and its first
    stage event in one statement."""
    database = get_db_of(storage_app)
    applicant = Applicant(storage_app)
    with Statements(database) as statements:
        assert applicant.submit_json(headers={"Idempotency-Key": "k-1"}).status_code == 201
    written = [
        statement.split()[0].upper()
        for statement, _parameters, writing in statements.seen
        if writing and not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA"))
    ]
    if database.is_sqlite:
        assert written == ["INSERT", "INSERT", "INSERT"]  # application, stage event, key
    else:
        assert written == ["WITH", "INSERT"]  # application and stage event; key
    read = [statement for statement, _parameters, writing in statements.seen if not writing]
    assert any("id_hmac" in statement for statement in read)
    assert stored(storage_app) == 1


def test_without_a_key_postgresql_stores_in_one_statement(storage_app):
    """No key, no e-mail: the row and its event are one statement in autocommit (one round
    trip after the look-up); SQLite's two inserts share one ``BEGIN IMMEDIATE``."""
    database = get_db_of(storage_app)
    applicant = Applicant(storage_app)
    with Statements(database) as statements:
        assert applicant.submit_json().status_code == 201
    written = [
        statement.split()[0].upper() for statement, _p, writing in statements.seen if writing
    ]
    if database.is_sqlite:
        assert written == ["BEGIN", "INSERT", "INSERT"]
    else:
        assert written == ["WITH"]


def test_a_row_stored_on_the_driver_reads_back_as_the_orm_would_store_it(storage_app):
    """Dates, JSON, booleans and the encrypted fields go through SQLAlchemy's own bind
    processors: read through the ORM, the row is what the applicant sent."""
    database = get_db_of(storage_app)
    cipher = storage_app.extensions["pingan_cipher"]
    applicant = Applicant(storage_app)
    answers = applicant.answers()
    before = datetime.datetime.now(datetime.UTC)
    response = applicant.client.post("/api/v1/campaigns/wujin-2026/applications", json=answers)
    assert response.status_code == 201
    with database.sessions() as session:
        application = session.scalars(select(Application)).one()
        event = session.scalars(select(StageEvent)).one()
    assert application.reference == response.json["reference"].replace("-", "")
    assert application.stage == "submitted" and application.channel == "api"
    assert application.consent_notice is True and application.consent_sensitive is True
    assert application.answers["email"] == answers["email"]
    assert application.declarations == answers["declarations"]
    assert cipher.decrypt(application.id_encrypted) == answers["id_number"]
    assert cipher.decrypt(application.mobile_encrypted) == answers["mobile"]
    assert application.submitted_at == application.updated_at
    assert before - datetime.timedelta(seconds=1) <= _utc(application.submitted_at)
    assert event.application_id == application.id and event.to_stage == "submitted"
    assert event.actor == "applicant" and event.at == application.submitted_at


def _utc(moment: datetime.datetime) -> datetime.datetime:
    """SQLite gives stored times back without their zone (they are stored in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def test_a_duplicate_committed_after_the_check_is_still_refused(storage_app, monkeypatch):
    """The look-up before the write sees nothing; the unique index refuses the second row."""
    from form_service import applications

    database = get_db_of(storage_app)
    cipher = storage_app.extensions["pingan_cipher"]
    applicant = Applicant(storage_app)
    answers = applicant.answers()
    first = submit(database, cipher, applicant.form, dict(answers), TODAY, channel="api")
    assert first.ok
    real = applications._earlier_result
    calls = []

    def blind_first_look(*args, **kwargs):
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(applications, "_earlier_result", blind_first_look)
    second = submit(database, cipher, applicant.form, dict(answers), TODAY, channel="api")
    assert not second.ok and "请勿重复报名" in second.errors[0].message
    assert len(calls) == 2 and stored(storage_app) == 1


def test_writers_take_turns_and_a_nested_write_does_not_wait_for_itself(tmp_path, make_app):
    database = get_db_of(make_app("wujin"))
    assert database.writers is not None
    inside = threading.Event()
    release = threading.Event()
    order = []

    def long_writer():
        with database.write(), database.write():  # nested: the same turn
            inside.set()
            release.wait(10)
            order.append("first")

    def second_writer():
        with database.write():
            order.append("second")

    first = threading.Thread(target=long_writer)
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=second_writer)
    second.start()
    time.sleep(0.2)
    assert order == []  # waiting for its turn, not failing with "database is locked"
    release.set()
    first.join(10)
    second.join(10)
    assert order == ["first", "second"]


def test_memory_rate_limits_start_no_thread_per_check(make_app, monkeypatch):
    """The limits library's memory store started a timer thread per check under load."""
    app = make_app("wujin", RATELIMIT_ENABLED=True, APPLY_RATE_LIMIT="5 per minute")
    started = []

    class CountedTimer(threading.Timer):
        def start(self):
            started.append(self)
            super().start()

    monkeypatch.setattr(threading, "Timer", CountedTimer)
    applicant = Applicant(app)
    statuses = []
    for _ in range(7):
        statuses.append(applicant.submit_json().status_code)
        time.sleep(0.02)  # longer than the library's 10 ms timer
    assert statuses == [201] * 5 + [429] * 2  # the limit still counts
    assert started == []


def test_two_handles_on_one_file_share_the_writers_queue(tmp_path, make_app):
    """A thread nesting writes through two handles of one file waits for nobody."""
    from form_service.db import Database

    database = get_db_of(make_app("wujin"))
    other = Database(database.url)
    try:
        assert other.writers is database.writers
        done = []

        def nested():
            with database.write(), other.write():
                done.append(True)

        thread = threading.Thread(target=nested, daemon=True)
        thread.start()
        thread.join(10)
        assert done == [True]
    finally:
        other.dispose()
    assert database.writers is not None and database.writers.users == 1
