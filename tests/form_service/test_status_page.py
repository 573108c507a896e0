"""The status page: reference + last four characters of the ID, by POST, rate-limited."""

from __future__ import annotations

from applicants import Applicant, get_db_of
from bs4 import BeautifulSoup
from sqlalchemy import select

from form_service.models import Application, StageEvent


def apply(app) -> tuple[Applicant, str, str]:
    """Submit an application; return the applicant, its reference as shown, its ID number."""
    applicant = Applicant(app)
    id_number = applicant.next_id()
    done = applicant.client.get(applicant.submit(id_number=id_number).headers["Location"])
    reference = BeautifulSoup(done.data, "html.parser").select_one("#reference").get_text()
    return applicant, reference, id_number


def look_up(applicant: Applicant, reference: str, last4: str):
    token = applicant.csrf_token(applicant.campaign)
    return applicant.client.post(
        "/status", data={"csrf_token": token, "reference": reference, "last4": last4}
    )


def test_the_stage_is_shown_for_the_right_pair(app):
    applicant, reference, id_number = apply(app)
    response = look_up(applicant, reference, id_number[-4:])
    page = BeautifulSoup(response.data, "html.parser")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert page.select_one("#stage").get_text() == "已提交"
    assert "湖塘" in page.select_one(".summary").get_text()
    assert id_number not in response.get_data(as_text=True)


def test_the_reference_may_be_typed_loosely(app):
    applicant, reference, id_number = apply(app)
    loose = " " + reference.lower().replace("-", " ") + " "
    assert look_up(applicant, loose, id_number[-4:].lower()).status_code == 200


def test_a_wrong_pair_looks_like_an_unknown_reference(app):
    applicant, reference, id_number = apply(app)
    wrong_digits = look_up(applicant, reference, "0000" if id_number[-4:] != "0000" else "1111")
    unknown = look_up(applicant, "ZZZZZ-ZZZZZ", id_number[-4:])
    for response in (wrong_digits, unknown):
        page = BeautifulSoup(response.data, "html.parser")
        assert response.status_code == 404
        assert "没有找到相符的报名" in page.select_one(".error-summary").get_text()
    assert look_up(applicant, "", "").status_code == 422


def test_the_reason_of_a_decision_is_shown(app):
    applicant, reference, id_number = apply(app)
    with get_db_of(app).write() as session:
        application = session.scalars(select(Application)).one()
        application.stage = "registered"
        session.add(
            StageEvent(
                application_id=application.id,
                from_stage="submitted",
                to_stage="registered",
                actor="user:1",
                reason="材料齐全，<b>审核通过</b>",
            )
        )
    page = BeautifulSoup(look_up(applicant, reference, id_number[-4:]).data, "html.parser")
    assert page.select_one("#stage").get_text() == "综治办审核通过，成为注册的平安志愿者"
    assert page.select_one(".reason").get_text() == "材料齐全，<b>审核通过</b>"


def test_the_status_form_is_posted_not_put_in_the_address(client):
    page = BeautifulSoup(client.get("/status").data, "html.parser")
    form = page.select_one("main form")
    assert form["method"] == "post"
    assert {i["name"] for i in form.select("input")} == {"csrf_token", "reference", "last4"}


def test_looking_up_is_rate_limited(make_app):
    app = make_app("wujin", RATELIMIT_ENABLED=True, STATUS_RATE_LIMIT="3 per minute")
    applicant = Applicant(app)
    statuses = [look_up(applicant, "ABCDE-23456", "1234").status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
