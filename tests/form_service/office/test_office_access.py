"""Access: every office route, tried by a user of one unit on another unit's data.

The table below names, for each URL argument, the value that belongs to the *other*
unit. The test walks ``app.url_map``: a new office route whose arguments the table does
not cover fails here until its access rule is tested too.
"""

from __future__ import annotations

import datetime

import pytest
from offices import Office, add_user, get_db_of
from sqlalchemy import select

from form_service.certificate_models import ServiceCertificate
from form_service.models import utcnow
from form_service.office.exports import ExportRequest, start_or_reuse_job
from form_service.office_models import User
from form_service.volunteer_models import VolunteerRecord
from form_service.volunteers import ActivityInput, publish_activity

#: Routes that name no unit's data: what they show comes from the user's own scope.
OWN_SCOPE_ONLY = {
    "office.account.login",
    "office.account.logout",
    "office.applications.index",
    "office.activities.index",
    "office.activities.new",
    "office.activities.minimums",
    "office.volunteers.index",
    "office.applications.list",
    "office.applications.bulk",
    "office.applications.search",  # redirects to the list, which checks the unit filter
    "office.audit.log",
    "office.honours.index",
    "office.honours.new",
    "office.account.password",
    "office.imports.template",
    "office.posters.paper_form",  # a campaign's blank form holds no unit's data
    "office.static",
}

#: A nomination for an honour in niutang (form_service/office/pages/honours.py).
NIUTANG_NOMINATION = {
    "name": "钱示例",
    "unit": "niutang",
    "honour": "平安志愿者先进个人",
    "year": "2026",
    "deeds": "示例事迹",
    "consent_date": "2026-11-20",
    "consent_method": "当面",
    "notice_starts": "2026-11-21",
    "notice_ends": "2026-11-27",
    "objections": "如有异议请致电牛塘工作站",
}


@pytest.fixture
def theirs(app, office, applicant):
    """An application, a registered volunteer, an export job, an activity, an honour
    nomination and a certificate of service record of niutang."""
    application = applicant.stored(unit="niutang")
    owner = office(app, "niutang", "administrator")
    owner.decide(application, "approve")
    owner.decide(application, "approve")
    with app.test_request_context():
        from form_service.db import get_db

        with get_db().sessions() as session:
            user = session.get(User, owner.user_id)
        job = start_or_reuse_job(
            ExportRequest("niutang", ("wujin-2026",), None, False), user, "k", 1
        )
        with get_db().sessions() as session:
            record_id = session.scalar(
                select(VolunteerRecord.id).where(VolunteerRecord.unit == "niutang")
            )
        start = utcnow() + datetime.timedelta(days=1)
        with get_db().write() as session:
            activity = publish_activity(
                session,
                user,
                frozenset({"niutang"}),
                ActivityInput(
                    "niutang",
                    "巡逻",
                    "patrol",
                    "牛塘",
                    start,
                    start + datetime.timedelta(hours=2),
                    5,
                ),
            )
        with get_db().write() as session:
            certificate = ServiceCertificate(
                deployment=app.extensions["pingan_deployment"].id,
                code="ABCDEFGHJKMN",
                record_id=record_id,
                name="钱示例",
                volunteer_number="N0001",
                volunteer_unit="niutang",
                unit="niutang",
                minutes=60,
                activities=1,
                period_start=datetime.date(2026, 11, 1),
                period_end=datetime.date(2026, 11, 1),
            )
            session.add(certificate)
            session.flush()
            certificate_id = certificate.id
    nominated = owner.post("/office/honours/new", NIUTANG_NOMINATION)
    nomination_id = int(nominated.headers["Location"].rsplit("/", 1)[1])
    return {
        "application_id": application.id,
        "unit": "niutang",
        "nomination_id": nomination_id,
        "token": job.token,
        "campaign_id": "wujin-2026",
        "activity_id": activity.id,
        "record_id": record_id,
        "certificate_id": certificate_id,
    }


def office_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("office.")]


def test_every_office_route_is_covered_by_the_access_table(app):
    for rule in office_rules(app):
        if rule.endpoint in OWN_SCOPE_ONLY:
            continue
        assert set(rule.arguments) <= {
            "application_id",
            "unit",
            "token",
            "activity_id",
            "record_id",
            "nomination_id",
            "campaign_id",
            "certificate_id",
        }, rule


def test_another_units_data_is_not_found_on_every_route(app, office, theirs):
    intruder = office(app, "hutang", "administrator")
    checked = 0
    for rule in office_rules(app):
        if rule.endpoint in OWN_SCOPE_ONLY:
            continue
        url = rule.build({name: theirs[name] for name in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"action": "approve", "campaign": "wujin-2026", "consent": "1"}
            if method == "GET":
                response = intruder.get(url)
            else:
                response = intruder.post(url, data)
            assert response.status_code in (403, 404), (method, url, response.status_code)
            checked += 1
    assert checked >= 10


def test_lists_and_the_audit_log_hold_nothing_of_another_unit(app, office, theirs):
    intruder = office(app, "hutang", "administrator")
    listing = intruder.get("/office/applications").data.decode()
    assert f"/office/applications/{theirs['application_id']}" not in listing
    assert intruder.get("/office/applications?unit=niutang").status_code == 422
    audit = intruder.get("/office/audit").data.decode()
    assert "niutang-administrator" not in audit


def test_bulk_decisions_on_another_units_rows_are_not_found(app, office, theirs):
    intruder = office(app, "hutang", "administrator")
    response = intruder.post(
        "/office/applications/bulk",
        [("action", "reject"), ("reason", "x"), ("selected", str(theirs["application_id"]))],
    )
    assert response.status_code == 404


def test_a_unit_above_sees_the_units_below(app, office, theirs):
    district = office(app, "wujin")
    assert district.get(f"/office/applications/{theirs['application_id']}").status_code == 200
    assert district.get("/office/units/niutang/export").status_code == 200


def test_every_office_route_needs_a_session(app, theirs):
    client = app.test_client()
    for rule in office_rules(app):
        if rule.endpoint in ("office.account.login", "office.static", "office.account.logout"):
            continue
        url = rule.build({name: theirs[name] for name in rule.arguments})[1]
        response = client.get(url) if "GET" in rule.methods else None
        if response is not None:
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/office/login")


def test_reviewers_cannot_read_the_audit_log_or_export_full_numbers(app, office):
    reviewer = office(app, "hutang")
    assert reviewer.get("/office/audit").status_code == 403
    response = reviewer.post("/office/units/hutang/export.zip", {"full_id_numbers": "1"})
    assert response.status_code == 403
    assert reviewer.get("/office/units/hutang/export.zip?full_id_numbers=1").status_code == 403


def test_export_jobs_belong_to_the_user_who_started_them(app, office, theirs):
    colleague = office(app, "niutang", "administrator", username="colleague")
    assert colleague.get(f"/office/exports/{theirs['token']}").status_code == 404


def test_an_inactive_account_cannot_log_in(app):
    user_id = add_user(app, "retired", "hutang")
    with get_db_of(app).write() as session:
        session.get(User, user_id).active = False
    account = Office.__new__(Office)
    account.app, account.username, account.client, account.token = (
        app,
        "retired",
        app.test_client(),
        None,
    )
    assert account.login().status_code == 401
