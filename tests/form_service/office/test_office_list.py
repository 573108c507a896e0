"""The list of applications: filters, pagination, one query per page, no personal data."""

from __future__ import annotations

import datetime

import pytest
from offices import get_db_of, page
from sqlalchemy import event, update

from form_service.models import Application
from form_service.office.listing import PAGE_SIZE


def names(response) -> list[str]:
    return [cell.get_text() for cell in page(response).select("tr.application .name")]


@pytest.fixture
def listed(app, applicant):
    """Five applications of two towns, two service types, two names, two days."""
    rows = [
        applicant.stored(unit="hutang", name="张一", service_type="patrol"),
        applicant.stored(unit="hutang", name="张二", service_type="mediation"),
        applicant.stored(unit="niutang", name="李三", service_type="patrol"),
        applicant.stored(unit="niutang", name="李四", service_type="patrol"),
        applicant.stored(unit="hutang", name="王五", service_type="patrol"),
    ]
    earlier = datetime.datetime(2026, 11, 1, 4, 0, tzinfo=datetime.UTC)
    with get_db_of(app).write() as session:
        session.execute(
            update(Application)
            .where(Application.id.in_([rows[0].id, rows[2].id]))
            .values(submitted_at=earlier)
        )
    return rows


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"张一", "张二", "李三", "李四", "王五"}),
        ("unit=hutang", {"张一", "张二", "王五"}),
        ("service_type=mediation", {"张二"}),
        ("name=张", {"张一", "张二"}),
        ("date_from=2026-11-02", {"张二", "李四", "王五"}),
        ("date_to=2026-11-01", {"张一", "李三"}),
        ("stage=submitted&unit=niutang&service_type=patrol", {"李三", "李四"}),
        ("stage=registered", set()),
        ("name=%25", set()),
    ],
)
def test_filters(app, office, listed, query, expected):
    account = office(app, "wujin")
    assert set(names(account.get(f"/office/applications?{query}"))) == expected


def test_a_town_sees_only_its_own_applications(app, office, listed):
    assert set(names(office(app, "niutang").get("/office/applications"))) == {"李三", "李四"}


def test_a_bad_date_is_reported_not_a_server_error(app, office, listed):
    response = office(app, "wujin").get("/office/applications?date_from=2026-13-01")
    assert response.status_code == 422
    assert "起始日期" in page(response).select_one(".error-summary").get_text()


def test_the_list_shows_no_id_or_mobile_number(app, office, listed):
    html = office(app, "wujin").get("/office/applications").data.decode()
    assert "13800138000" not in html
    assert listed[0].id_last4 not in html.replace(listed[0].reference, "")


def test_a_page_is_one_query_whatever_its_length(app, office, applicant):
    for _ in range(PAGE_SIZE + 5):
        applicant.stored(unit="hutang")
    account = office(app, "hutang")
    statements = []
    engine = get_db_of(app).engine

    def count(_conn, _cursor, statement, *_args):
        if "applications" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        first = account.get("/office/applications")
        second = account.get("/office/applications?page=2")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(names(first)) == PAGE_SIZE and len(names(second)) == 5
    assert len(statements) == 2
    assert "第 2 / 2 页" in page(second).select_one(".pager").get_text()
