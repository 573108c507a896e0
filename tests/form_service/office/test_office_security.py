"""Security review of the office area: CSRF, redirects, cookies, scope of exports and bulk
decisions, audit completeness, no personal numbers in audit text, escaped reasons."""

from __future__ import annotations

import pytest
from offices import (
    PASSWORD,
    Office,
    add_user,
    audit_actions,
    csrf_of,
    get_db_of,
    page,
    reload,
)
from sqlalchemy import select, update

from form_service.office.exports import wait_for_jobs
from form_service.office_models import AuditEvent, User

ID_IN_TEXT = "320412199005171234"
MOBILE_IN_TEXT = "13912345678"


def post_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("office.") and "POST" in rule.methods
    ]


def test_every_office_post_needs_its_csrf_token(app, office, applicant):
    application = applicant.stored(unit="hutang")
    account = office(app, "hutang", "administrator")
    values = {"application_id": application.id, "unit": "hutang"}
    rules = post_rules(app)
    assert len(rules) >= 8
    for rule in rules:
        # The CSRF check answers before any view runs: an id that does not exist will do.
        url = rule.build({name: values.get(name, 1) for name in rule.arguments})[1]
        response = account.client.post(url, data={"action": "approve", "reason": "x"})
        assert response.status_code == 400, url
    assert reload(app, application.id).stage == "submitted"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/office/",
        "//evil.example/office/",
        "/\\evil.example/office/",
        "\\\\evil.example/office/",
        " //evil.example/office/",
        "\t//evil.example/office/",
        "javascript:alert(1)//office/",
        "/office/\r\nSet-Cookie: x=1",
        "/office/../apply/wujin-2026",
        "/office@evil.example/",
        "https:/office/",
    ],
)
def test_log_in_never_redirects_off_the_office(app, target):
    account = Office(app, "hutang")
    response = account.login(next=target)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/office/") and not location.startswith("/office/..")
    assert "\n" not in location and "\\" not in location


def test_next_inside_the_office_is_followed(app):
    account = Office(app, "hutang")
    response = account.login(next="/office/applications?stage=submitted")
    assert response.headers["Location"] == "/office/applications?stage=submitted"


def session_cookie_header(account) -> str:
    token = csrf_of(account.client.get("/office/login").data)
    response = account.client.post(
        "/office/login",
        data={"username": account.username, "password": PASSWORD, "csrf_token": token},
    )
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert len(cookies) == 1
    return cookies[0]


def test_the_session_cookie_is_httponly_samesite_lax_and_not_persistent(app):
    cookie = session_cookie_header(Office(app, "hutang"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires" not in cookie and "Max-Age" not in cookie
    assert "Secure" not in cookie  # the test service is http://


def test_the_session_cookie_is_secure_when_the_public_url_is_https(office_app):
    app = office_app("wujin", PUBLIC_URL="https://baoming.example.cn")
    assert "Secure" in session_cookie_header(Office(app, "hutang"))


def test_an_export_job_is_not_downloadable_once_the_users_scope_no_longer_covers_it(
    office_app, office, applicant_of
):
    app = office_app("wujin", EXPORT_BACKGROUND_THRESHOLD=0)
    applicant_of(app, "wujin-2026").stored(unit="hutang")
    account = office(app, "hutang")
    job_url = account.get("/office/units/hutang/export.zip").headers["Location"]
    wait_for_jobs(app)
    assert account.get(f"{job_url}/download").status_code == 200
    with get_db_of(app).write() as session:
        session.execute(update(User).where(User.id == account.user_id).values(unit="niutang"))
    assert account.get(f"{job_url}/download").status_code == 404
    assert account.get(job_url).status_code == 404


def test_a_bulk_decision_with_one_forged_id_changes_nothing(app, office, applicant):
    ours = applicant.stored(unit="hutang")
    theirs = applicant.stored(unit="niutang")
    account = office(app, "hutang")
    response = account.post(
        "/office/applications/bulk",
        [
            ("action", "approve"),
            ("selected", str(ours.id)),
            ("selected", str(theirs.id)),
            (f"stage-{theirs.id}", "submitted"),
        ],
    )
    assert response.status_code == 404
    assert reload(app, ours.id).stage == "submitted"
    assert reload(app, theirs.id).stage == "submitted"
    assert "stage_change" not in audit_actions(app)


def test_every_kind_of_access_is_audited(office_app, office, applicant_of):
    app = office_app("wujin", EXPORT_BACKGROUND_THRESHOLD=0)
    application = applicant_of(app, "wujin-2026").stored(unit="hutang")
    administrator = office(app, "hutang", "administrator")
    wrong = Office(app, "hutang", username="someone")
    wrong.login("wrong password 1")
    administrator.get(f"/office/applications/{application.id}")
    administrator.post(f"/office/applications/{application.id}/full-id")
    administrator.decide(application, "approve")
    administrator.decide(application, "approve")
    administrator.get(f"/office/applications/{application.id}/certificate")
    administrator.get("/office/units/hutang/export.zip")
    administrator.post("/office/units/hutang/export.zip", {"full_id_numbers": "1"})
    wait_for_jobs(app)
    administrator.post(
        "/office/password",
        {
            "current_password": PASSWORD,
            "new_password": "a much longer passphrase",
            "repeat_password": "a much longer passphrase",
        },
    )
    actions = set(audit_actions(app))
    assert {
        "login",
        "login_failed",
        "view",
        "view_full_id",
        "stage_change",
        "certificate",
        "export",
        "export_full_id",
        "password_changed",
    } <= actions


def test_failed_log_ins_appear_in_the_audit_log_of_the_accounts_unit(app, office):
    target = Office(app, "hutang", username="target")
    target.login("wrong password 1")
    audit = page(office(app, "hutang", "administrator").get("/office/audit"))
    failed = [row for row in audit.select("tr.audit-event") if row["data-action"] == "login_failed"]
    assert failed and "target" in failed[0].get_text()
    elsewhere = page(office(app, "niutang", "administrator").get("/office/audit"))
    assert not [r for r in elsewhere.select("tr.audit-event") if "target" in r.get_text()]


def test_failed_log_ins_to_unknown_names_reach_the_deployments_administrators(app, office):
    stranger = app.test_client()
    token = csrf_of(stranger.get("/office/login").data)
    stranger.post(
        "/office/login",
        data={"username": "guessing-admin", "password": "x" * 12, "csrf_token": token},
    )
    district = page(office(app, "wujin", "administrator").get("/office/audit")).get_text()
    town = page(office(app, "hutang", "administrator").get("/office/audit")).get_text()
    assert "guessing-admin" in district and "guessing-admin" not in town


def test_no_id_or_mobile_number_reaches_audit_text_or_logs(app, office, applicant, caplog):
    application = applicant.stored(unit="hutang")
    administrator = office(app, "hutang", "administrator")
    reason = f"证件号码 {ID_IN_TEXT} 与户籍不符，请致电 {MOBILE_IN_TEXT}"
    with caplog.at_level("DEBUG"):
        administrator.decide(application, "reject", reason)
        stranger = app.test_client()
        token = csrf_of(stranger.get("/office/login").data)
        stranger.post(
            "/office/login",
            data={"username": ID_IN_TEXT, "password": "x" * 12, "csrf_token": token},
        )
        audit_page = administrator.get("/office/audit").data.decode()
    with get_db_of(app).sessions() as session:
        stored = [(e.actor, repr(e.detail)) for e in session.scalars(select(AuditEvent))]
    for text in [*map(str, stored), audit_page, caplog.text]:
        assert ID_IN_TEXT not in text and MOBILE_IN_TEXT not in text


def test_a_rejection_reason_is_escaped_on_the_status_page(app, office, applicant):
    application = applicant.stored(unit="hutang")
    with app.app_context():
        from form_service.context import cipher

        id_number = cipher().decrypt(application.id_encrypted)
    office(app, "hutang").decide(application, "reject", '<script>alert("x")</script>')
    client = app.test_client()
    token = csrf_of(client.get("/status").data)
    response = client.post(
        "/status",
        data={"csrf_token": token, "reference": application.reference, "last4": id_number[-4:]},
    )
    html = response.data.decode()
    assert "<script>alert" not in html
    assert page(response).select_one(".reason").get_text() == '<script>alert("x")</script>'


def test_an_account_added_elsewhere_cannot_read_the_audit_log_of_units_above(app, office):
    add_user(app, "village-admin", "hutang", "administrator")
    district = office(app, "wujin", "administrator")
    district.get("/office/audit")
    town_admin = office(app, "hutang", "administrator", username="town-admin")
    text = page(town_admin.get("/office/audit")).get_text()
    assert "wujin-administrator" not in text
