"""Migration 0007: the service type moves to its own column, and answers stored before the
input rule (a lone surrogate escape) become printable, so no stored answer can fail the
office list on PostgreSQL or SQLite."""

from __future__ import annotations

import json

import pytest
from applicants import Applicant, get_db_of
from offices import Office
from sqlalchemy import select, text

from form_service.migrate import downgrade, upgrade
from form_service.models import Application


@pytest.fixture
def storage_app(office_app):
    return office_app("wujin")


def _answers_text(engine, reference: str) -> str:
    cast = "answers::text" if engine.dialect.name == "postgresql" else "answers"
    with engine.connect() as connection:
        return connection.execute(
            text(f"SELECT {cast} FROM applications WHERE reference = :r"), {"r": reference}
        ).scalar_one()


def test_new_applications_store_the_service_type_in_its_column(storage_app):
    assert Applicant(storage_app).submit(service_type="patrol").status_code == 303
    with get_db_of(storage_app).sessions() as session:
        application = session.scalars(select(Application)).one()
    assert application.service_type == "patrol"
    assert "service_type" not in application.answers


def test_0007_moves_the_service_type_and_repairs_lone_surrogates_and_back(storage_app):
    engine = get_db_of(storage_app).engine
    assert Applicant(storage_app).submit(service_type="patrol").status_code == 303
    downgrade(engine, "0006")
    with get_db_of(storage_app).sessions() as session:
        reference = session.scalar(select(Application.reference))
    moved_back = json.loads(_answers_text(engine, reference))
    assert moved_back["service_type"] == "patrol"
    # A row stored before the input rule: a lone surrogate escape in the JSON text.
    hostile = {**moved_back, "registration_address": "湖塘\ud800镇"}
    cast = "CAST(:a AS json)" if engine.dialect.name == "postgresql" else ":a"
    with engine.begin() as connection:
        connection.execute(
            text(f"UPDATE applications SET answers = {cast} WHERE reference = :r"),
            {"a": json.dumps(hostile), "r": reference},
        )
    assert "\\ud800" in _answers_text(engine, reference)

    upgrade(engine)
    with engine.connect() as connection:
        service_type = connection.execute(
            text("SELECT service_type FROM applications WHERE reference = :r"), {"r": reference}
        ).scalar_one()
    answers = json.loads(_answers_text(engine, reference))
    assert service_type == "patrol"
    assert "service_type" not in answers
    assert answers["registration_address"] == "湖塘\ufffd镇"


def test_the_office_list_filters_by_the_service_type_column(storage_app):
    applicant = Applicant(storage_app)
    assert applicant.submit(service_type="patrol").status_code == 303
    assert applicant.submit(service_type="safety-creation").status_code == 303
    office = Office(storage_app, "wujin")
    office.login()
    response = office.get("/office/applications?service_type=patrol")
    assert response.status_code == 200
    assert len(response.data.decode().split('class="application"')) - 1 == 1
