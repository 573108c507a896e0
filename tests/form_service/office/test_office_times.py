"""Office pages and the certificate show China's time (config TIMEZONE) in the site's style."""

from __future__ import annotations

import datetime

from offices import get_db_of, page
from sqlalchemy import update

from form_service.models import Application, StageEvent
from form_service.office_models import AuditEvent

#: 17:30 UTC on 23 November is 01:30 on 24 November in China.
LATE_EVENING_UTC = datetime.datetime(2026, 11, 23, 17, 30, 5, tzinfo=datetime.UTC)


def test_the_audit_log_shows_china_time(app, office, applicant):
    administrator = office(app, "hutang", "administrator")
    application = applicant.stored(unit="hutang")
    administrator.get(f"/office/applications/{application.id}")
    with get_db_of(app).write() as session:
        session.execute(update(AuditEvent).values(at=LATE_EVENING_UTC))
    audit = page(administrator.get("/office/audit"))
    assert "北京时间" in audit.select_one("table.audit thead").get_text()
    assert {cell.get_text() for cell in audit.select("tr.audit-event .when")} == {
        "2026 年 11 月 24 日 01:30:05"
    }


def test_the_review_history_shows_china_time(app, office, applicant):
    reviewer = office(app, "hutang")
    application = applicant.stored(unit="hutang")
    with get_db_of(app).write() as session:
        session.execute(update(StageEvent).values(at=LATE_EVENING_UTC))
    detail = page(reviewer.get(f"/office/applications/{application.id}"))
    assert detail.select_one(".events .when").get_text() == "2026 年 11 月 24 日 01:30:05"


def test_the_certificate_dates_registration_by_china_day(app, office, applicant):
    reviewer = office(app, "hutang", "administrator")
    application = applicant.stored(unit="hutang")
    reviewer.decide(application, "approve")
    reviewer.decide(application, "approve")
    with get_db_of(app).write() as session:
        session.execute(update(StageEvent).values(at=LATE_EVENING_UTC))
    certificate = page(reviewer.get(f"/office/applications/{application.id}/certificate"))
    assert certificate.select_one(".certificate .date").get_text() == "2026 年 11 月 24 日"


def test_the_list_and_the_detail_date_a_submission_by_china_day(app, office, applicant):
    reviewer = office(app, "hutang")
    application = applicant.stored(unit="hutang")
    with get_db_of(app).write() as session:
        session.execute(update(Application).values(submitted_at=LATE_EVENING_UTC))
    listed = page(reviewer.get("/office/applications"))
    assert listed.select_one("tr.application .submitted").get_text() == "2026 年 11 月 24 日"
    detail = page(reviewer.get(f"/office/applications/{application.id}"))
    assert detail.select_one("#submitted-at").get_text() == "2026 年 11 月 24 日"
