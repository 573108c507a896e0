"""Dates read as on the site (2026 年 9 月 1 日) on every public page and in messages."""

from __future__ import annotations

import datetime

import pytest
from applicants import Applicant, errors_of, get_db_of
from bs4 import BeautifulSoup
from sqlalchemy import update

from form_service.models import Application
from site_builder.formatting import zh_date as site_zh_date

#: 17:30 UTC on 23 November is 24 November in China.
LATE_EVENING_UTC = datetime.datetime(2026, 11, 23, 17, 30, tzinfo=datetime.UTC)


def page_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def test_the_campaign_list_prints_the_deadline_as_the_site_does(make_app):
    app = make_app("directed-town")
    closes = app.extensions["pingan_deployment"].campaigns["mixed-2026"].closes
    page = page_of(app.test_client().get("/apply/"))
    hint = page.select_one(".campaign-list .hint").get_text()
    assert hint == f"报名截止：{site_zh_date(closes)}"
    assert hint == "报名截止：2027 年 6 月 30 日"


def test_the_campaign_list_says_a_long_term_round_never_closes(client):
    """The demo's round is long-term (常年招募): no closing date to print."""
    hint = page_of(client.get("/apply/")).select_one(".campaign-list .hint").get_text()
    assert hint == "常年招募，长期有效"


@pytest.mark.parametrize(
    ("deployment", "campaign", "today", "message"),
    [
        ("wujin", "wujin-2026", "2026-08-31", "本次招募将于 2026 年 9 月 1 日开始报名"),
        ("shanxi-youth", "shanxi-2014", "2026-11-23", "本次招募已于 2014 年 12 月 31 日截止报名"),
    ],
)
def test_the_window_messages_print_dates_as_the_site_does(
    make_app, deployment, campaign, today, message
):
    app = make_app(deployment, TODAY=datetime.date.fromisoformat(today))
    notice = page_of(app.test_client().get(f"/apply/{campaign}")).select_one(".notice-box")
    assert message in notice.get_text()
    response = Applicant(app, campaign).submit_json()
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"field": "campaign", "message": message}]


def test_a_long_term_round_takes_applications_years_later(make_app):
    app = make_app("wujin", TODAY=datetime.date(2040, 1, 1))
    assert page_of(app.test_client().get("/apply/wujin-2026")).select_one(".notice-box") is None
    assert Applicant(app).submit_json().status_code == 201


def test_a_birth_date_that_contradicts_the_id_names_the_ids_date_in_words(make_app):
    applicant = Applicant(make_app("shanxi-youth"), "shanxi-2026")
    id_number = applicant.next_id(birth=datetime.date(2000, 3, 8))
    response = applicant.submit(id_number=id_number, birth_date="2000-03-09")
    assert response.status_code == 422
    assert errors_of(response)["birth_date"].endswith("（身份证号码显示为 2000 年 3 月 8 日）")


def test_the_status_page_dates_the_submission_by_china_day(app):
    applicant = Applicant(app)
    id_number = applicant.next_id()
    done = applicant.client.get(applicant.submit(id_number=id_number).headers["Location"])
    reference = page_of(done).select_one("#reference").get_text()
    with get_db_of(app).write() as session:
        session.execute(update(Application).values(submitted_at=LATE_EVENING_UTC))
    token = applicant.csrf_token(applicant.campaign)
    result = applicant.client.post(
        "/status", data={"csrf_token": token, "reference": reference, "last4": id_number[-4:]}
    )
    assert page_of(result).select_one("#submitted-at").get_text() == "2026 年 11 月 24 日"
