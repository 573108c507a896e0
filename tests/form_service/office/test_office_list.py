"""The list of applications: filters, pagination, one query per page, no personal data."""

from __future__ import annotations

import datetime
import time
from urllib.parse import parse_qsl, unquote

import pytest
from offices import get_db_of, page
from sqlalchemy import event, update

from form_service.models import Application
from form_service.office import listing
from form_service.office.listing import PAGE_SIZE
from form_service.office.pages import applications as list_page


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
    assert set(names(listed_by(account, query))) == expected


def listed_by(account, query: str):
    """The list for *query*: as a link when it has no name, else through the search form."""
    args = dict(parse_qsl(query))
    if "name" not in args:
        return account.get(f"/office/applications?{query}")
    response = account.post("/office/applications/search", args)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert "name=" not in location and args["name"] not in unquote(location)
    return account.get(location)


def test_a_name_search_keeps_its_term_out_of_every_url_and_pages_on(
    app, office, applicant, monkeypatch
):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    for n in "一二三四五":
        applicant.stored(unit="hutang", name=f"甲{n}")
    applicant.stored(unit="hutang", name="乙一")
    account = office(app, "wujin")
    response = listed_by(account, "name=甲&unit=hutang")
    seen = names(response)
    while next_link(response):
        assert "甲" not in unquote(next_link(response))
        response = account.get(next_link(response))
        seen += names(response)
    assert sorted(seen) == [f"甲{n}" for n in "一三二五四"]  # sorted by code point
    html = page(response)
    assert html.select_one("#f-name")["value"] == "甲"  # the box shows the term
    assert all("甲" not in unquote(a["href"]) for a in html.select("a[href]"))
    assert "甲" not in unquote(html.select_one("input[name=back]")["value"])


def test_a_name_in_the_query_string_is_not_searched(app, office, listed):
    assert len(names(office(app, "wujin").get("/office/applications?name=张"))) == 5


def test_an_expired_or_altered_search_token_asks_to_search_again(app, office, listed, monkeypatch):
    account = office(app, "wujin")
    location = account.post("/office/applications/search", {"name": "张"}).headers["Location"]
    token = dict(parse_qsl(location.split("?", 1)[1]))["q"]
    later = time.time() + list_page.SEARCH_TOKEN_SECONDS + 61
    monkeypatch.setattr(time, "time", lambda: later)
    for url in (location, f"/office/applications?q={token[:-4]}AAAA"):
        response = account.get(url)
        assert response.status_code == 422
        assert "姓名搜索已过期" in page(response).select_one(".error-summary").get_text()


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


def statements_of(app, call) -> list[str]:
    """The SELECT statements on applications that *call()* runs."""
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        if "applications" in statement and statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = get_db_of(app).engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return statements


def next_link(response) -> str | None:
    link = page(response).select_one(".pager a[rel=next]")
    return link["href"] if link else None


def test_a_page_is_two_queries_whatever_its_length(app, office, applicant):
    for _ in range(PAGE_SIZE + 5):
        applicant.stored(unit="hutang")
    account = office(app, "hutang")
    responses = []
    statements = statements_of(app, lambda: responses.append(account.get("/office/applications")))
    first = responses[0]
    statements += statements_of(app, lambda: responses.append(account.get(next_link(first))))
    second = responses[1]
    assert len(names(first)) == PAGE_SIZE and len(names(second)) == 5
    assert len(statements) == 4  # rows and capped count, per page
    assert "第 2 / 2 页" in page(second).select_one(".pager").get_text()
    assert next_link(second) is None
    previous = page(second).select_one(".pager a[rel=prev]")["href"]
    assert names(account.get(previous)) == names(first)


def test_keyset_pages_show_every_row_once_even_when_rows_arrive_meanwhile(
    app, office, applicant, monkeypatch
):
    monkeypatch.setattr(listing, "PAGE_SIZE", 3)
    stored = [applicant.stored(unit="hutang", name=f"甲{n}") for n in "一二三四五六七"]
    account = office(app, "hutang")
    first = account.get("/office/applications")
    seen = names(first)
    applicant.stored(unit="hutang", name="新来")  # would shift an OFFSET page by one
    response = first
    while next_link(response):
        response = account.get(next_link(response))
        seen += names(response)
    assert sorted(seen) == sorted(row.name for row in stored)


def test_the_total_is_counted_up_to_a_cap(app, office, applicant, monkeypatch):
    monkeypatch.setattr(listing, "COUNT_CAP", 3)
    for _ in range(5):
        applicant.stored(unit="hutang")
    account = office(app, "hutang")
    text = page(account.get("/office/applications")).select_one("#list-total").get_text()
    assert "超过 3 份" in text
    pager = page(account.get("/office/applications")).select_one(".pager").get_text()
    assert "第 1 页" in pager and "/" not in pager


def test_the_whole_tree_is_listed_without_a_unit_condition(app, office, listed):
    district = office(app, "wujin")
    whole = statements_of(app, lambda: district.get("/office/applications"))
    town = statements_of(app, lambda: office(app, "hutang").get("/office/applications"))
    assert not any(" IN (" in statement.upper() for statement in whole)
    assert all(" IN (" in statement.upper() for statement in town[-2:])


def test_the_unit_filter_offers_the_chosen_units_children_not_the_whole_scope(app, office, listed):
    deployment = app.extensions["pingan_deployment"]
    district = office(app, "wujin")
    options = page(district.get("/office/applications")).select("#f-unit option")
    children = [unit.id for unit in deployment.tree["wujin"].children]
    assert [o["value"] for o in options] == ["wujin", *children]
    assert len(options) < len(deployment.tree)
    town = page(district.get("/office/applications?unit=hutang"))
    assert [o["value"] for o in town.select("#f-unit option")][0] == "hutang"
    crumbs = town.select(".unit-path a")
    assert [a.get_text() for a in crumbs] == [deployment.tree["wujin"].name]


def test_only_the_unit_itself_leaves_out_the_units_below(app, office, applicant):
    deployment = app.extensions["pingan_deployment"]
    village = deployment.tree["hutang"].children[0].id
    applicant.stored(unit="hutang", name="镇里")
    moved = applicant.stored(unit="hutang", name="村里")  # the public applies to towns only
    with get_db_of(app).write() as session:
        session.execute(update(Application).where(Application.id == moved.id).values(unit=village))
    account = office(app, "wujin")
    assert set(names(account.get("/office/applications?unit=hutang"))) == {"镇里", "村里"}
    assert names(account.get("/office/applications?unit=hutang&only=1")) == ["镇里"]
