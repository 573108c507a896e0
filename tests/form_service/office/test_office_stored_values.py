"""No stored value breaks an office page or an export (issue 8).

Applications are stored through the form and then changed in the database behind the
validation's back, as older data or a gap in the input rules could leave them: a lone
surrogate (``"x\\ud800y"``, which PostgreSQL's ``json`` columns keep as an escape and give
back as typed) in an answer, and an answer the export schema refuses. Every page still
answers 200 and shows the character as U+FFFD; every export still succeeds with the
good rows, leaves the bad records out and names them. The ``name`` column cannot hold a
lone surrogate on either database (the drivers refuse to encode it), so names are
covered by the export library's own tests.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

import frictionless
import pytest
from offices import OfficeApplicant, audit_events, csrf_of, get_db_of, page
from sqlalchemy import update

from form_service.context import cipher
from form_service.models import Application
from form_service.office.exports import UNREADABLE, wait_for_jobs
from form_service.office_models import AuditEvent
from pingan.cli import main as pingan
from pingan.export.package import UNENCODABLE

SURROGATE = "x\ud800y"
SHOWN = "x\ufffdy"
TOWN = "湖塘"  # every application here is filed with hutang, a town of Wujin


def shown(reference: str) -> str:
    return f"{reference[:5]}-{reference[5:]}"


@dataclass
class Stored:
    """The applications of one test: two good ones, and what each bad one holds."""

    app: object
    good: list[Application]
    address: Application  # a lone surrogate in registration_address
    email: Application  # a lone surrogate in email
    refused: Application  # a service type the export schema does not know

    @property
    def bad(self) -> list[Application]:
        return [self.address, self.email, self.refused]


def spoil(app, application: Application, **answers) -> None:
    """Change stored answers without any validation, as old data could hold them (an
    answer with a column of its own, such as the service type, in that column)."""
    columns = {k: v for k, v in answers.items() if k in Application.__table__.columns}
    answers = {k: v for k, v in answers.items() if k not in columns}
    with get_db_of(app).write() as session:
        session.execute(
            update(Application)
            .where(Application.id == application.id)
            .values(answers={**application.answers, **answers}, **columns)
        )


@pytest.fixture
def stored(office_app) -> Stored:
    app = office_app("wujin")
    applicant = OfficeApplicant(app, "wujin-2026")
    made = [applicant.stored(unit="hutang") for _ in range(5)]
    first, address, email, refused, last = made
    spoil(app, address, registration_address=SURROGATE)
    spoil(app, email, email=SURROGATE)
    spoil(app, refused, service_type="not-a-service")
    return Stored(app, [first, last], address, email, refused)


def unpack(response, folder) -> zipfile.ZipFile:
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    archive.extractall(folder)
    return archive


def csv_references(folder) -> list[str]:
    """The references of the CSV's rows, under its Chinese header, as people read them."""
    text = (folder / "wujin-2026.csv").read_text("utf-8-sig")
    return [row["申请编号"] for row in csv.DictReader(io.StringIO(text))]


def excluded_of(folder) -> dict[str, tuple[str, str]]:
    """Reference as shown → (field, reason), from the package's excluded.csv."""
    with (folder / "excluded.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {row["申请编号"]: (row["字段"], row["原因"]) for row in rows}


def assert_lists_the_bad_ones(folder, stored: Stored) -> None:
    assert csv_references(folder) == [shown(a.reference) for a in stored.good]
    assert excluded_of(folder) == {
        shown(stored.address.reference): ("注册地址", UNENCODABLE),
        shown(stored.email.reference): ("电子邮箱", UNENCODABLE),
        shown(stored.refused.reference): ("服务类型", "未通过导出校验：不在可选的值之中"),
    }
    report = frictionless.validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


# --- pages ---------------------------------------------------------------------------------


def test_the_detail_page_shows_a_lone_surrogate_as_a_replacement_character(stored, office):
    account = office(stored.app, "hutang")
    for application in (stored.address, stored.email):
        response = account.get(f"/office/applications/{application.id}")
        assert response.status_code == 200
        assert SHOWN in page(response).select_one("main").get_text()


def test_the_list_shows_every_application(stored, office):
    response = office(stored.app, "wujin").get("/office/applications")
    assert response.status_code == 200
    rows = page(response).select("main table tbody tr")
    assert len(rows) == len(stored.good) + len(stored.bad)


def test_the_audit_log_shows_any_stored_detail(stored, office):
    admin = office(stored.app, "wujin", "administrator")
    with get_db_of(stored.app).write() as session:
        session.add(AuditEvent(actor="x", action="view", unit="hutang", detail={"note": SURROGATE}))
    response = admin.get("/office/audit")
    assert response.status_code == 200
    assert SHOWN in page(response).select_one("table.audit").get_text()


def test_the_public_status_page_answers_for_an_application_with_bad_answers(stored):
    with stored.app.app_context():
        last4 = cipher().decrypt(stored.address.id_encrypted)[-4:]
    applicant = OfficeApplicant(stored.app, "wujin-2026")
    response = applicant.client.post(
        "/status",
        data={
            "csrf_token": applicant.csrf_token("wujin-2026"),
            "reference": stored.address.reference,
            "last4": last4,
        },
    )
    assert response.status_code == 200
    assert TOWN in page(response).select_one(".summary").get_text()


# --- exports -------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", ["hutang", "wujin"])
def test_an_export_leaves_bad_records_out_names_them_and_audits_the_count(
    unit, stored, office, tmp_path
):
    account = office(stored.app, unit)
    response = account.get(f"/office/units/{unit}/export.zip")

    unpack(response, tmp_path)
    assert_lists_the_bad_ones(tmp_path, stored)
    assert response.headers["X-Pingan-Excluded"] == "3"
    next_page = page(account.get(f"/office/units/{unit}/export"))
    flash = next_page.select_one(".flash-error").get_text()
    assert "3 份报名因数据有误未能导出" in flash and "excluded.csv" in flash
    assert all(shown(a.reference) in flash for a in stored.bad)
    (event,) = audit_events(stored.app, action="export")
    assert (event.detail["rows"], event.detail["excluded"]) == (2, 3)


def test_a_full_id_export_leaves_the_same_records_out(stored, office, tmp_path):
    admin = office(stored.app, "wujin", "administrator")
    admin.token = csrf_of(admin.get("/office/units/wujin/export").data)
    response = admin.post("/office/units/wujin/export.zip", {"full_id_numbers": "1"})

    unpack(response, tmp_path)
    assert_lists_the_bad_ones(tmp_path, stored)
    (event,) = audit_events(stored.app, action="export_full_id")
    assert event.detail["excluded"] == 3


def test_a_background_export_completes_and_its_page_lists_what_it_left_out(
    office_app, office, tmp_path
):
    app = office_app("wujin", EXPORT_BACKGROUND_THRESHOLD=0)
    applicant = OfficeApplicant(app, "wujin-2026")
    good, bad = applicant.stored(unit="hutang"), applicant.stored(unit="hutang")
    spoil(app, bad, registration_address=SURROGATE)
    account = office(app, "wujin")

    started = account.get("/office/units/wujin/export.zip")
    assert started.status_code == 303
    location = started.headers["Location"]
    wait_for_jobs(app)
    job_page = page(account.get(location))

    assert "共 1 份报名" in job_page.select_one("#job-state").get_text()
    assert "1 份报名因数据有误未能导出" in job_page.select_one("#excluded h2").get_text()
    (item,) = job_page.select("#excluded li.excluded")
    assert item.select_one(".reference").get_text() == shown(bad.reference)
    assert "注册地址" in item.get_text() and UNENCODABLE in item.get_text()
    download = account.get(job_page.select_one("#download")["href"])
    unpack(download, tmp_path)
    assert csv_references(tmp_path) == [shown(good.reference)]

    # The request was audited at once; its event got the figures when the job ended. A
    # second request reuses the package, and its event has them from the start.
    assert account.get("/office/units/wujin/export.zip").headers["Location"] == location
    figures = [
        (e.detail["rows"], e.detail["excluded"], e.detail["background"])
        for e in audit_events(app, action="export")
    ]
    assert figures == [(1, 1, True), (1, 1, True)]


def test_an_application_whose_stored_data_cannot_be_read_is_left_out(office_app, office, tmp_path):
    app = office_app("wujin")
    applicant = OfficeApplicant(app, "wujin-2026")
    good, broken = applicant.stored(unit="hutang"), applicant.stored(unit="hutang")
    with get_db_of(app).write() as session:
        session.execute(
            update(Application)
            .where(Application.id == broken.id)
            .values(id_encrypted="not a token")
        )

    unpack(office(app, "hutang").get("/office/units/hutang/export.zip"), tmp_path)

    assert csv_references(tmp_path) == [shown(good.reference)]
    assert excluded_of(tmp_path) == {shown(broken.reference): ("", UNREADABLE)}


def test_the_export_command_exits_0_and_prints_each_record_it_left_out(
    stored, tmp_path, monkeypatch, capsys
):
    config = stored.app.config
    for key in ("DATABASE_URL", "DATA_KEYS", "HMAC_KEY", "SECRET_KEY", "DATA_DIR"):
        monkeypatch.setenv(f"PINGAN_{key}", str(config[key]))
    monkeypatch.setenv("PINGAN_TODAY", "2026-11-23")
    out = tmp_path / "wujin.zip"

    assert pingan(["export", "--unit", "wujin", "--out", str(out), "--full-id-numbers"]) == 0

    printed = capsys.readouterr()
    assert "已导出 2 份报名" in printed.out
    assert "有 3 份报名因数据有误未能导出" in printed.err
    for application in stored.bad:
        assert shown(application.reference) in printed.err
    with stored.app.app_context():
        numbers = [cipher().decrypt(a.id_encrypted) for a in [*stored.good, *stored.bad]]
    assert not any(number in printed.out + printed.err for number in numbers)
    zipfile.ZipFile(out).extractall(tmp_path / "package")
    assert_lists_the_bad_ones(tmp_path / "package", stored)
    assert not list(tmp_path.glob(".*.part"))
    (event,) = audit_events(stored.app, action="export_full_id")
    assert event.detail["excluded"] == 3
