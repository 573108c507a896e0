"""The volunteer's look-up and sign-up and the unit reports read through their indexes.

``benchmarks/volunteers.py`` times them at a million volunteers and ten million attendances;
this is the same synthetic deployment and the same generated rows at a small size (20 towns,
781 units, 20,000 volunteers, 100,000 attendances), loaded the same way and given real
statistics (the service's bounded ``ANALYZE`` on SQLite, ``VACUUM ANALYZE`` on PostgreSQL),
so that the planner's choice is the one a large deployment gets. Each statement the service
runs is explained on both databases: none may read a whole table (the benchmark's rule),
and the reports must use the indexes of migration 0014.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from applicants import TODAY, get_db_of
from bs4 import BeautifulSoup

from benchmarks.apps import StatementLog, id_number
from benchmarks.volunteers import (
    Plan,
    load_postgres,
    load_sqlite,
    whole_table,
    write_records_deployment,
)
from form_service.volunteer_models import Activity
from form_service.volunteer_reports import minimum_report, training_report

TOWNS = 20
ZONE = "Asia/Shanghai"


@pytest.fixture
def loaded(office_database_url, office_app, tmp_path):
    """An app of the synthetic deployment, its tables bulk-loaded and analysed."""
    deployment = write_records_deployment(tmp_path / "deployment", TOWNS)
    app = office_app(DATA_DIR=str(deployment))
    database = get_db_of(app)
    plan = Plan(TOWNS, 39, 20_000, 100_000)
    rules = app.extensions["pingan_deployment"].records
    cipher = app.extensions["pingan_cipher"]
    if database.is_sqlite:
        database.engine.dispose()  # the loader's own connection changes the journal mode
        load_sqlite(Path(database.engine.url.database), plan, rules, cipher)
        database.refresh_statistics()
    else:
        load_postgres(database.engine, plan, rules, cipher)
    return app, plan


def plans(app, call) -> list[tuple[str, str]]:
    """(statement, plan) of each SQL statement *call()* runs."""
    database = get_db_of(app)
    log = StatementLog(database.engine)
    captured = log.capture(call)
    assert captured
    return [(statement, log.plan(statement, parameters)) for statement, parameters in captured]


def assert_no_whole_table(app, explained: list[tuple[str, str]]) -> None:
    dialect = get_db_of(app).engine.dialect.name
    for statement, plan in explained:
        assert whole_table(plan, dialect) is None, (statement, plan)


def proof(client, record_id: int) -> dict[str, str]:
    page = BeautifulSoup(client.get("/volunteer").data, "html.parser")
    return {
        "number": f"SY2026{record_id:07d}",
        "last4": id_number(record_id)[-4:],
        "csrf_token": page.select_one("input[name=csrf_token]")["value"],
    }


def test_the_look_up_reads_a_record_by_its_number(loaded):
    app, _plan = loaded
    client = app.test_client()
    data = proof(client, 1234)

    def look_up():
        assert client.post("/volunteer", data=data).status_code == 200

    explained = plans(app, look_up)
    assert_no_whole_table(app, explained)
    first = explained[0][1]
    assert "volunteer_number=?" in first or "uq_volunteer_records_number" in first, first
    record_page = " ".join(plan for _statement, plan in explained)
    assert "ix_attendances_record" in record_page, record_page


def test_a_sign_up_claims_its_place_by_primary_key(loaded):
    app, plan = loaded
    database = get_db_of(app)
    starts = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)
    with database.write() as session:
        activity = Activity(
            deployment="synthetic",
            unit=plan.town(0),
            kind="activity",
            title="报名测试活动",
            service_type="patrol",
            place="示例地点",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            minutes=120,
            places=10,
            places_taken=0,
            open_to="unit",
            state="published",
        )
        session.add(activity)
        session.flush()
        activity_id = activity.id
    client = app.test_client()
    data = proof(client, plan.record_id(0, 3))

    def sign_up():
        response = client.post(f"/volunteer/activities/{activity_id}/signup", data=data)
        assert response.status_code == 200 and "您已报名" in response.text

    explained = plans(app, sign_up)
    assert_no_whole_table(app, explained)
    claim = [plan for statement, plan in explained if statement.lstrip().startswith("UPDATE")]
    assert len(claim) == 1 and ("PRIMARY KEY" in claim[0] or "activities_pkey" in claim[0])
    existing = [plan for statement, plan in explained if "FROM activity_signups" in statement]
    assert any(
        "activity_id=? AND record_id=?" in plan or "uq_activity_signups_volunteer" in plan
        for plan in existing
    ), existing


def test_a_towns_monthly_report_counts_by_the_unit_index(loaded):
    app, plan = loaded
    deployment = app.extensions["pingan_deployment"]
    scope = frozenset(unit.id for unit in deployment.tree.descendants(plan.town(7)))
    database = get_db_of(app)

    def report():
        with database.sessions() as session:
            rows = minimum_report(session, deployment, scope, TODAY.replace(day=1), ZONE)
        assert len(rows) == 40 and any(row.held for row in rows)

    explained = plans(app, report)
    assert_no_whole_table(app, explained)
    assert len(explained) == 1  # one period (a month) for a town and its villages
    assert "ix_activities_unit_kind_state_starts" in explained[0][1], explained


def test_a_villages_training_report_reads_its_volunteers_and_their_sessions(loaded):
    app, plan = loaded
    deployment = app.extensions["pingan_deployment"]
    database = get_db_of(app)

    def report():
        with database.sessions() as session:
            rows = training_report(session, deployment, plan.village(45), TODAY.year, ZONE)
        assert rows and any(row.offered for row in rows)

    explained = plans(app, report)
    assert_no_whole_table(app, explained)
    text = " / ".join(plan for _statement, plan in explained)
    for index in (
        "ix_activities_unit_kind_state_starts",
        "ix_activities_open_to_kind_state_starts",
        "ix_volunteer_records_deployment_unit",
        "ix_attendances_record",
    ):
        assert index in text, (index, explained)
