"""Certificates of service record (志愿服务记录证明, issue 11): an office issues one for a
volunteer of its scope from the recorded attendance, prints it and downloads the PDF (the
same HTML, with the Chinese text in it); anyone checks it at /verify with its code, which
shows the masked name, issuing unit, hours, activities and date; a changed code does not
verify; a volunteer outside the office's scope cannot be certified."""

from __future__ import annotations

import datetime
import io

import pypdf
import pytest
from bs4 import BeautifulSoup
from offices import audit_actions, page
from sqlalchemy import select
from test_volunteer_records import HOUR, OfficeUser, get_db_of, make_records

from form_service.certificate_models import ServiceCertificate
from form_service.models import utcnow
from form_service.service_certificates import ALPHABET, grouped, local_today, normalised
from form_service.volunteers import record_attendance


@pytest.fixture
def certified(app, office):
    """A hutang volunteer with two activities (3 h and 1.5 h) and a certificate for them."""
    (volunteer,) = make_records(app, 1)
    hutang = OfficeUser(app, "hutang")
    for days, minutes in ((20, 3 * HOUR), (3, 90)):
        activity = hutang.publish(starts_at=utcnow() - datetime.timedelta(days=days))
        hutang.write(record_attendance, activity, {volunteer: minutes})
    account = office(app, "hutang", "administrator", username="hutang-admin")
    response = account.post(f"/office/volunteers/{volunteer}/certificates", {})
    assert response.status_code == 303, response.data.decode()
    return account, volunteer, certificate_of(app, volunteer)


def certificate_of(app, record_id: int) -> ServiceCertificate:
    with get_db_of(app).sessions() as session:
        return session.scalars(
            select(ServiceCertificate)
            .where(ServiceCertificate.record_id == record_id)
            .order_by(ServiceCertificate.id.desc())
        ).first()


def verify(app, code: str):
    client = app.test_client()
    form = BeautifulSoup(client.get("/verify").data, "html.parser")
    token = form.select_one("input[name=csrf_token]")["value"]
    return client.post("/verify", data={"csrf_token": token, "code": code})


def test_the_certificate_holds_the_recorded_figures(app, certified):
    account, volunteer, certificate = certified
    assert (certificate.minutes, certificate.activities) == (270, 2)
    assert certificate.unit == "hutang" and certificate.name == "志愿者1"
    assert certificate.period_end - certificate.period_start == datetime.timedelta(days=17)
    assert len(certificate.code) == 12 and set(certificate.code) <= set(ALPHABET)
    assert "service_certificate" in audit_actions(app)
    listed = page(account.get(f"/office/volunteers/{volunteer}")).select_one(
        "#service-certificates"
    )
    assert "2 次活动，4.5 小时" in listed.get_text()


def test_the_code_verifies_and_shows_only_the_masked_figures(app, certified):
    _, _, certificate = certified
    response = verify(app, grouped(certificate.code).lower())
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = BeautifulSoup(response.data, "html.parser")
    assert html.select_one("#verify-name").get_text() == "志**1"
    assert html.select_one("#verify-issuer").get_text() == "湖塘平安志愿者工作站"
    assert html.select_one("#verify-hours").get_text() == "4.5 小时"
    assert html.select_one("#verify-activities").get_text() == "2 次"
    text = html.get_text()
    assert "志愿者1" not in text and certificate.volunteer_number not in text


def test_a_changed_code_does_not_verify(app, certified):
    _, _, certificate = certified
    code = certificate.code
    changed = code[:-1] + next(ch for ch in ALPHABET if ch != code[-1])
    for typed in (changed, code[:-1], code + "2", code.replace(code[0], "0", 1)):
        response = verify(app, typed)
        assert response.status_code == 404, typed
        assert "没有找到这个验证码对应的证明" in response.data.decode()
    assert verify(app, "").status_code == 422


def test_the_code_is_posted_not_put_in_the_address(app):
    form = BeautifulSoup(app.test_client().get("/verify").data, "html.parser").select_one("form")
    assert form["method"] == "post"
    assert {i["name"] for i in form.select("input")} == {"csrf_token", "code"}
    assert app.test_client().post("/verify", data={"code": "ABCD"}).status_code == 400


def test_verifying_is_rate_limited(make_app):
    app = make_app("wujin", RATELIMIT_ENABLED=True, STATUS_RATE_LIMIT="3 per minute")
    statuses = [verify(app, "ABCD-EFGH-JKMN").status_code for _ in range(5)]
    assert statuses == [404, 404, 404, 429, 429]


def test_the_print_view_and_the_pdf_hold_the_chinese_text(app, certified):
    account, _, certificate = certified
    printed = account.get(f"/office/service-certificates/{certificate.id}")
    assert printed.status_code == 200
    assert "style-src 'sha256-" in printed.headers["Content-Security-Policy"]
    html = BeautifulSoup(printed.data, "html.parser")
    assert html.select_one(".code").get_text() == grouped(certificate.code)
    assert html.select_one(".issuing-unit").get_text() == "湖塘平安志愿者工作站"
    pdf = account.get(f"/office/service-certificates/{certificate.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    compact = "".join(text.split())
    assert "志愿服务记录证明" in compact
    assert "湖塘平安志愿者工作站" in compact
    assert "4.5小时" in compact and grouped(certificate.code) in compact
    assert audit_actions(app).count("service_certificate_print") == 2


def test_chosen_dates_count_only_the_activities_in_them(app, certified):
    account, volunteer, _ = certified
    end = local_today("Asia/Shanghai")
    start = end - datetime.timedelta(days=10)
    data = {"start": start.isoformat(), "end": end.isoformat()}
    assert account.post(f"/office/volunteers/{volunteer}/certificates", data).status_code == 303
    certificate = certificate_of(app, volunteer)
    assert (certificate.minutes, certificate.activities) == (90, 1)
    assert (certificate.period_start, certificate.period_end) == (start, end)
    # Dates with no attendance, or the wrong way round, issue nothing.
    before = {"start": "2020-01-01", "end": "2020-12-31"}
    account.post(f"/office/volunteers/{volunteer}/certificates", before)
    flashes = page(account.get(f"/office/volunteers/{volunteer}")).select(".flash")
    assert "所选期间没有服务记录" in flashes[-1].get_text()
    account.post(f"/office/volunteers/{volunteer}/certificates", {"start": end, "end": start})
    assert certificate_of(app, volunteer).id == certificate.id


def test_a_volunteer_outside_the_scope_cannot_be_certified(app, office, certified):
    _, volunteer, certificate = certified
    intruder = office(app, "niutang", "administrator")
    assert intruder.post(f"/office/volunteers/{volunteer}/certificates", {}).status_code == 404
    assert intruder.get(f"/office/service-certificates/{certificate.id}").status_code == 404
    assert intruder.get(f"/office/service-certificates/{certificate.id}.pdf").status_code == 404
    assert certificate_of(app, volunteer).id == certificate.id


def test_codes_are_read_loosely_and_refused_when_impossible():
    assert normalised(" abcd-efgh jkmn ") == "ABCDEFGHJKMN"
    assert normalised("ABCD-EFGH-JKM0") is None  # 0 is not in the alphabet
    assert normalised("ABCD") is None


def test_the_volunteer_sees_the_certificate_and_its_code_on_the_record(app, certified):
    _, _, certificate = certified
    client = app.test_client()
    token = BeautifulSoup(client.get("/volunteer").data, "html.parser").select_one(
        "input[name=csrf_token]"
    )["value"]
    response = client.post(
        "/volunteer",
        data={"csrf_token": token, "number": certificate.volunteer_number, "last4": "0001"},
    )
    assert response.status_code == 200
    listed = BeautifulSoup(response.data, "html.parser").select_one("#certificates").get_text()
    assert grouped(certificate.code) in listed and "2 次活动，4.5 小时" in listed
