"""Storage: migrations, encryption at rest, the uniqueness rule under concurrency (SQLite and
PostgreSQL alike), key rotation."""

from __future__ import annotations

import importlib
import importlib.util
import threading
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from applicants import TODAY, Applicant, get_db_of, stored
from cryptography.fernet import Fernet
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from form_service.applications import REFERENCE_ALPHABET, submit
from form_service.crypto import PersonalDataCipher
from form_service.migrate import alembic_config, downgrade, upgrade
from form_service.models import Application, Base, StageEvent


@pytest.fixture
def storage_app(database_url, make_app):
    return make_app("wujin", database_url)


def test_migrations_build_exactly_the_models_schema(storage_app):
    for module in (
        "form_service.office_models",
        "form_service.volunteer_models",
        "form_service.honour_models",
        "form_service.certificate_models",
    ):  # share Base
        if importlib.util.find_spec(module):
            importlib.import_module(module)
    engine = get_db_of(storage_app).engine
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_the_migrations_have_one_head(storage_app):
    engine = get_db_of(storage_app).engine
    assert ScriptDirectory.from_config(alembic_config(engine)).get_heads() == ["0014"]


def test_0004_drops_the_unit_time_index_and_its_downgrade_brings_it_back(storage_app):
    engine = get_db_of(storage_app).engine

    def indexes() -> set[str]:
        return {index["name"] for index in inspect(engine).get_indexes("applications")}

    assert "ix_applications_unit_submitted_at" not in indexes()
    assert "ix_applications_deployment_unit_submitted" in indexes()
    downgrade(engine, "0003")
    assert "ix_applications_unit_submitted_at" in indexes()
    upgrade(engine)
    assert "ix_applications_unit_submitted_at" not in indexes()


def test_0005_keeps_one_open_application_per_person_and_its_downgrade_keeps_every_row(
    storage_app,
):
    """A rejected row and its successor survive down and up again, events and all."""
    engine = get_db_of(storage_app).engine
    applicant = Applicant(storage_app)
    id_number = applicant.next_id()
    assert applicant.submit(id_number=id_number).status_code == 303
    table, events = Application.__table__, StageEvent.__table__
    with engine.begin() as connection:  # rejected, then the same person applies again
        first = connection.execute(select(table)).mappings().one()
        connection.execute(table.update().values(stage="rejected"))
        again = {**first, "reference": "AGAIN23456"}
        del again["id"]
        second = connection.execute(table.insert().values(again)).inserted_primary_key[0]
        connection.execute(
            events.insert().values(application_id=second, to_stage="submitted", actor="applicant")
        )
    with engine.begin() as connection, pytest.raises(IntegrityError):  # two open rows
        connection.execute(text("UPDATE applications SET stage = 'submitted'"))

    def rows() -> list[tuple]:
        with engine.connect() as connection:
            return connection.execute(
                text(
                    "SELECT a.id, a.stage, a.scope, count(e.id) FROM applications a"
                    " JOIN stage_events e ON e.application_id = a.id"
                    " GROUP BY a.id, a.stage, a.scope ORDER BY a.id"
                )
            ).all()

    before = rows()
    assert [(stage, events) for _id, stage, _scope, events in before] == [
        ("rejected", 1),
        ("submitted", 1),
    ]
    downgrade(engine, "0004")
    after = rows()
    assert [(row[0], row[1], row[3]) for row in after] == [
        (row[0], row[1], row[3]) for row in before
    ]
    old, new = after
    assert old[2] == f"{new[2]}#{old[0]}"  # the closed row steps out of the old constraint
    columns = {column["name"] for column in inspect(engine).get_columns("stage_events")}
    assert "unit" not in columns
    upgrade(engine)
    assert [(row[0], row[1], row[3]) for row in rows()] == [
        (row[0], row[1], row[3]) for row in before
    ]
    assert "uq_applications_open_scope_id_hmac" in {
        index["name"] for index in inspect(engine).get_indexes("applications")
    }


def test_sqlite_is_durable_and_concurrent(app):
    with get_db_of(app).engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_an_application_is_stored_encrypted_with_its_first_stage(storage_app):
    applicant = Applicant(storage_app)
    id_number = applicant.next_id()
    response = applicant.submit(id_number=id_number, mobile="139 1234 5678")
    assert response.status_code == 303
    with get_db_of(storage_app).sessions() as session:
        row = session.scalars(select(Application)).one()
        events = session.scalars(select(StageEvent)).all()
    cipher = storage_app.extensions["pingan_cipher"]
    assert cipher.decrypt(row.id_encrypted) == id_number
    assert cipher.decrypt(row.mobile_encrypted) == "13912345678"
    assert row.id_hmac == cipher.lookup_hash(id_number)
    sex = "男" if int(id_number[16]) % 2 else "女"
    assert (row.id_last4, row.sex, row.birth_month) == (id_number[-4:], sex, "1990-05")
    assert row.stage == "submitted" and row.scope == "campaign:wujin-2026"
    assert row.notice_version == "wujin-2026-v1" and row.consent_sensitive
    assert "id_number" not in row.answers and "mobile" not in row.answers
    assert [(e.from_stage, e.to_stage, e.actor) for e in events] == [
        (None, "submitted", "applicant")
    ]


def test_references_are_short_readable_and_distinct(storage_app):
    applicant = Applicant(storage_app)
    for _ in range(20):
        assert applicant.submit().status_code == 303
    with get_db_of(storage_app).sessions() as session:
        references = session.scalars(select(Application.reference)).all()
    assert len(set(references)) == 20
    assert all(len(r) == 10 and set(r) <= set(REFERENCE_ALPHABET) for r in references)


def test_the_sqlite_file_holds_no_id_or_mobile_in_clear(make_app, tmp_path):
    app = make_app("wujin", f"sqlite:///{tmp_path / 'clear.sqlite3'}")
    applicant = Applicant(app)
    id_number = applicant.next_id()
    assert applicant.submit(id_number=id_number, mobile="13987654321").status_code == 303
    get_db_of(app).dispose()
    raw = b"".join(path.read_bytes() for path in tmp_path.glob("clear.sqlite3*"))
    assert applicant.form.campaign.id.encode() in raw  # the file is readable as such…
    for secret in (id_number, id_number[6:14], "13987654321", "987654321"):
        assert secret.encode() not in raw  # …but holds neither number nor birth date


@pytest.mark.postgres
def test_the_postgres_rows_hold_no_id_or_mobile_in_clear(make_app, postgres_url):
    app = make_app("wujin", postgres_url)
    applicant = Applicant(app)
    id_number = applicant.next_id()
    assert applicant.submit(id_number=id_number, mobile="13987654321").status_code == 303
    with get_db_of(app).engine.connect() as connection:
        dump = " ".join(
            row
            for table in ("applications", "stage_events")
            for row in connection.execute(text(f"SELECT t::text FROM {table} t")).scalars()
        )
        connection.execute(text("TRUNCATE applications, stage_events, idempotency_keys CASCADE"))
        connection.commit()
    assert "wujin-2026" in dump
    for secret in (id_number, id_number[6:14], "13987654321"):
        assert secret not in dump


def test_concurrent_submissions_of_one_id_store_exactly_one(storage_app):
    applicant = Applicant(storage_app)
    form = applicant.form
    answers = applicant.answers()
    database = get_db_of(storage_app)
    cipher = storage_app.extensions["pingan_cipher"]
    barrier = threading.Barrier(8)
    outcomes = []

    def apply():
        barrier.wait()
        outcomes.append(submit(database, cipher, form, dict(answers), TODAY, channel="api"))

    threads = [threading.Thread(target=apply) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(outcome.ok for outcome in outcomes) == 1
    refused = [outcome.errors[0] for outcome in outcomes if not outcome.ok]
    assert len(refused) == 7
    assert all(e.field == "id_number" and "请勿重复报名" in e.message for e in refused)
    assert stored(storage_app) == 1


def test_rotating_keys_reencrypts_every_row(make_app, tmp_path, monkeypatch):
    from pingan.cli import main

    url = f"sqlite:///{tmp_path / 'rotate.sqlite3'}"
    old_key = Fernet.generate_key().decode()
    app = make_app("wujin", url, DATA_KEYS=old_key)
    applicant = Applicant(app)
    id_number = applicant.next_id()
    assert applicant.submit(id_number=id_number).status_code == 303
    get_db_of(app).dispose()

    new_key = Fernet.generate_key().decode()
    monkeypatch.setenv("PINGAN_DATABASE_URL", url)
    monkeypatch.setenv("PINGAN_DATA_KEYS", f"{new_key},{old_key}")
    monkeypatch.setenv("PINGAN_HMAC_KEY", "test-hmac-key")
    monkeypatch.setenv("PINGAN_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("PINGAN_DATA_DIR", app.config["DATA_DIR"])
    assert main(["db", "rotate-keys"]) == 0

    only_new = PersonalDataCipher(new_key, "test-hmac-key")
    rotated = make_app("wujin", url, DATA_KEYS=new_key)
    with get_db_of(rotated).sessions() as session:
        row = session.scalars(select(Application)).one()
    assert only_new.decrypt(row.id_encrypted) == id_number
    with pytest.raises(ValueError):
        PersonalDataCipher(old_key, "test-hmac-key").decrypt(row.id_encrypted)


def test_a_sqlite_migration_waits_for_other_writers_instead_of_failing(make_app, tmp_path):
    """Another process (a service instance, the queue's runner) may write while
    ``pingan db upgrade`` runs: the migration takes the write lock before it reads, so it
    waits its turn instead of meeting a newer snapshot ("database is locked")."""
    app = make_app("wujin", f"sqlite:///{tmp_path / 'busy.sqlite3'}", QUEUE_INLINE=False)
    engine = get_db_of(app).engine
    writing, done = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def write_all_the_time() -> None:
        import sqlite3

        other = sqlite3.connect(tmp_path / "busy.sqlite3", timeout=30, isolation_level=None)
        other.execute("CREATE TABLE IF NOT EXISTS beats (at REAL)")
        try:
            while not done.is_set():
                other.execute("BEGIN IMMEDIATE")
                other.execute("INSERT INTO beats VALUES (julianday('now'))")
                other.execute("COMMIT")
                writing.set()
                time.sleep(0.001)  # SQLite's busy handler is not fair: leave it a moment
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)
        finally:
            other.close()

    writer = threading.Thread(target=write_all_the_time)
    writer.start()
    assert writing.wait(30)
    try:
        for _ in range(3):
            downgrade(engine, "0007")
            upgrade(engine)
    finally:
        done.set()
        writer.join()
    assert failures == []
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM beats").scalar() > 0
