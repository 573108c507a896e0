"""What 退回 allows next, through the pages: applying again, reopening, withdrawing, and the
certificate only after the scheme's last stage (Chongqing: the city's identity check)."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from offices import OfficeApplicant, audit_actions, audit_events, csrf_of, page, reload
from sqlalchemy import select

from form_service.models import Application, StageEvent
from pingan.records import format_reference

REASON = "注册地址不详，请补充到村"


def events(app, application_id: int) -> list[tuple]:
    from offices import get_db_of

    with get_db_of(app).sessions() as session:
        rows = session.scalars(
            select(StageEvent)
            .where(StageEvent.application_id == application_id)
            .order_by(StageEvent.id)
        ).all()
    return [(e.from_stage, e.to_stage, e.actor, e.unit, e.reason) for e in rows]


def id_number_of(app, application) -> str:
    with app.app_context():
        from form_service.context import cipher

        return cipher().decrypt(application.id_encrypted)


def status_page(app, application):
    """The status page as the applicant opens it: reference and last four characters."""
    client = app.test_client()
    token = csrf_of(client.get("/status").data)
    data = {"csrf_token": token, "reference": application.reference}
    response = client.post("/status", data={**data, "last4": application.id_last4})
    return client, token, response


def withdraw(client, token, application, confirm=True, last4=None):
    data = {
        "csrf_token": token,
        "reference": application.reference,
        "last4": last4 or application.id_last4,
    }
    if confirm:
        data["confirm"] = "on"
    return client.post("/status/withdraw", data=data)


# --- applying again after 退回 ------------------------------------------------------------------


def test_a_rejected_applicant_applies_again_with_a_new_reference(app, office, applicant):
    first = applicant.stored(unit="hutang")
    id_number = id_number_of(app, first)
    office(app, "hutang").decide(first, "reject", reason=REASON)

    _client, _token, response = status_page(app, first)
    shown = page(response)
    assert shown.select_one("#stage").get_text() == "未通过审核"
    assert shown.select_one(".reason").get_text() == REASON
    again = shown.select_one("#apply-again")
    assert "补正后重新报名" in again.get_text()
    assert again.select_one("a")["href"].endswith("/apply/wujin-2026")

    second = applicant.stored(unit="hutang", id_number=id_number)
    assert second.reference != first.reference and second.stage == "submitted"
    assert reload(app, first.id).stage == "rejected"  # the history stays
    third = applicant.submit(id_number=id_number)
    assert third.status_code == 422 and "请勿重复报名" in third.get_data(as_text=True)


# --- reopening -----------------------------------------------------------------------------------


def reopen(account, application, reason=REASON, stage="rejected"):
    return account.post(
        f"/office/applications/{application.id}/reopen", {"reason": reason, "stage": stage}
    )


def test_an_office_reopens_a_rejection_with_a_reason_and_it_is_audited(app, office, applicant):
    application = applicant.stored(unit="hutang")
    town = office(app, "hutang")
    town.decide(application, "reject", reason="服务时间未填写")
    detail = page(town.get(f"/office/applications/{application.id}"))
    assert detail.select_one("#reopen-form") is not None
    assert detail.select_one("#approve") is None

    assert reopen(town, application, reason="  ").status_code == 303
    assert reload(app, application.id).stage == "rejected"
    assert reopen(town, application, reason="误退回，恢复审核").status_code == 303
    assert reload(app, application.id).stage == "submitted"
    assert events(app, application.id)[-1] == (
        "rejected",
        "submitted",
        f"user:{town.user_id}",
        "hutang",
        "误退回，恢复审核",
    )
    (event,) = audit_events(app, action="reopen")
    assert event.application_id == application.id
    assert event.detail["reason"] == "误退回，恢复审核"
    assert town.decide(application, "approve").status_code == 303
    assert reload(app, application.id).stage == "registered"


def test_a_rejection_cannot_be_reopened_once_the_applicant_applied_again(app, office, applicant):
    first = applicant.stored(unit="hutang")
    town = office(app, "hutang")
    town.decide(first, "reject", reason=REASON)
    second = applicant.stored(unit="hutang", id_number=id_number_of(app, first))
    reopen(town, first)
    assert reload(app, first.id).stage == "rejected"
    flash = page(town.get(f"/office/applications/{first.id}")).select_one(".flash-error")
    assert "重新报名" in flash.get_text() and second.reference in flash.get_text()
    assert audit_actions(app, action="reopen") == []


def test_a_withdrawn_application_cannot_be_reopened(app, office, applicant):
    application = applicant.stored(unit="hutang")
    client, token, _ = status_page(app, application)
    withdraw(client, token, application)
    town = office(app, "hutang")
    reopen(town, application, stage="withdrawn")
    assert reload(app, application.id).stage == "withdrawn"


# --- Chongqing: each stage by its office -------------------------------------------------------


@pytest.fixture
def chongqing(office_app, office):
    app = office_app("chongqing")
    offices = {
        unit: office(app, unit)
        for unit in ("district-a-community", "district-a-street", "district-a", "chongqing")
    }
    return app, offices, OfficeApplicant(app, "chongqing-2026")


def test_the_office_that_passed_the_initial_review_cannot_pass_the_upper_one(chongqing):
    """Issue 9: one town office passed both 初审 and 上一级审核 of one application."""
    app, offices, applicant = chongqing
    application = applicant.stored(unit="district-a-community")
    town = offices["district-a-street"]
    town.decide(application, "approve")
    assert reload(app, application.id).stage == "initial-review"
    detail = page(town.get(f"/office/applications/{application.id}"))
    assert detail.select_one("#approve") is None and detail.select_one("#reject") is None
    assert "上一级办公室审核" in detail.select_one("#review-refusal").get_text()
    town.decide(application, "approve")
    assert reload(app, application.id).stage == "initial-review"
    offices["district-a"].decide(application, "approve")
    assert reload(app, application.id).stage == "upper-review"
    assert events(app, application.id)[1][3] == "district-a-street"  # the receiving office


def test_chongqings_certificate_waits_for_the_citys_check_and_bears_its_office(chongqing):
    app, offices, applicant = chongqing
    application = applicant.stored(unit="district-a-community")
    for unit in ("district-a-community", "district-a-street", "district-a"):
        assert offices[unit].decide(application, "approve").status_code == 303
    registered = reload(app, application.id)
    assert registered.stage == "registered" and registered.volunteer_number
    district = offices["district-a"]
    detail = page(district.get(f"/office/applications/{application.id}"))
    assert detail.select_one("#certificate-link") is None
    assert "身份核查" in detail.select_one("#certificate-refusal").get_text()
    refused = district.get(f"/office/applications/{application.id}/certificate")
    assert refused.status_code == 303
    assert audit_actions(app, action="certificate") == []

    city = offices["chongqing"]
    city.decide(application, "approve")
    assert reload(app, application.id).stage == "certified"
    response = district.get(f"/office/applications/{application.id}/certificate")
    assert response.status_code == 200
    certificate = page(response)
    assert certificate.select_one(".issuer").get_text() == "重庆市平安建设志愿服务领导小组办公室"
    assert "重庆市平安建设志愿服务领导小组办公室" in certificate.select_one(".seal").get_text()
    assert audit_actions(app, action="certificate") == ["certificate"]


def test_wujin_prints_the_certificate_after_its_one_approval(app, office, applicant):
    application = applicant.stored(unit="hutang")
    town = office(app, "hutang")
    assert town.get(f"/office/applications/{application.id}/certificate").status_code == 303
    town.decide(application, "approve")
    assert reload(app, application.id).volunteer_number
    assert town.get(f"/office/applications/{application.id}/certificate").status_code == 200


# --- withdrawing from the status page ---------------------------------------------------------


def test_the_applicant_withdraws_a_pending_application_and_may_apply_again(app, applicant):
    application = applicant.stored(unit="hutang")
    client, token, response = status_page(app, application)
    form = page(response).select_one("#withdraw form")
    assert {i["name"] for i in form.select("input")} == {
        "csrf_token",
        "reference",
        "last4",
        "confirm",
    }

    unconfirmed = withdraw(client, token, application, confirm=False)
    assert unconfirmed.status_code == 422
    assert reload(app, application.id).stage == "submitted"
    wrong = withdraw(
        client, token, application, last4="0000" if application.id_last4 != "0000" else "1111"
    )
    assert wrong.status_code == 404

    done = withdraw(client, token, application)
    assert done.status_code == 200
    shown = page(done)
    assert shown.select_one("#stage").get_text() == "已撤回"
    assert "可以重新报名" in shown.select_one("#apply-again").get_text()
    assert shown.select_one("#withdraw") is None
    assert reload(app, application.id).stage == "withdrawn"
    assert events(app, application.id)[-1][:3] == ("submitted", "withdrawn", "applicant")
    (event,) = audit_events(app, action="withdraw")
    assert (event.actor, event.application_id) == ("applicant", application.id)

    again = applicant.stored(unit="hutang", id_number=id_number_of(app, application))
    assert again.id != application.id


def test_withdrawing_needs_the_csrf_token(app, applicant):
    application = applicant.stored(unit="hutang")
    client, _token, _ = status_page(app, application)
    response = withdraw(client, "forged", application)
    assert response.status_code == 400
    assert reload(app, application.id).stage == "submitted"


def test_a_registered_volunteer_cannot_withdraw(app, office, applicant):
    application = applicant.stored(unit="hutang")
    office(app, "hutang").decide(application, "approve")
    client, token, response = status_page(app, application)
    assert page(response).select_one("#withdraw") is None
    refused = withdraw(client, token, application)
    assert refused.status_code == 409
    assert "不能撤回" in page(refused).select_one(".error-summary").get_text()
    assert reload(app, application.id).stage == "registered"


def test_an_office_cannot_decide_a_withdrawn_application(app, office, applicant):
    application = applicant.stored(unit="hutang")
    client, token, _ = status_page(app, application)
    withdraw(client, token, application)
    town = office(app, "hutang")
    town.decide(application, "approve")
    assert reload(app, application.id).stage == "withdrawn"
    detail = page(town.get(f"/office/applications/{application.id}"))
    assert "撤回" in detail.select_one("#review-refusal").get_text()
    assert detail.select_one("#reopen-form") is None


def test_the_list_filters_withdrawn_applications(app, office, applicant):
    application = applicant.stored(unit="hutang")
    client, token, _ = status_page(app, application)
    withdraw(client, token, application)
    listing = page(office(app, "wujin").get("/office/applications?stage=withdrawn"))
    assert application.name in listing.select_one("table").get_text()
    assert [o.get_text() for o in listing.select("select[name=stage] option")].count("已撤回") == 1


def test_the_quota_progress_counts_open_applications_only(app, office, applicant):
    rejected = applicant.stored(unit="hutang")
    office(app, "hutang").decide(rejected, "reject", reason=REASON)
    applicant.stored(unit="hutang", id_number=id_number_of(app, rejected))
    with app.app_context():
        from form_service.applications import progress
        from form_service.db import get_db

        with get_db().sessions() as session:
            totals = progress(session, app.extensions["pingan_forms"]["wujin-2026"])
    assert totals["hutang"] == {"applications": 1, "registered": 0}
    with app.app_context():
        from form_service.db import get_db

        with get_db().sessions() as session:
            assert session.query(Application).count() == 2


def test_rejected_and_withdrawn_applications_are_exported_with_their_stage(app, office, applicant):
    rejected = applicant.stored(unit="hutang")
    withdrawn = applicant.stored(unit="hutang")
    office(app, "hutang").decide(rejected, "reject", reason=REASON)
    client, token, _ = status_page(app, withdrawn)
    assert withdraw(client, token, withdrawn).status_code == 200

    response = office(app, "wujin", "administrator", username="wujin-exporter").get(
        "/office/units/wujin/export.zip?campaign=wujin-2026"
    )
    assert response.status_code == 200
    assert response.headers["X-Pingan-Excluded"] == "0"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("wujin-2026.csv").decode("utf-8-sig"))))
    stages = {row["申请编号"]: row["审核阶段"] for row in rows}
    assert stages == {
        format_reference(rejected.reference): "未通过审核",
        format_reference(withdrawn.reference): "已撤回",
    }
