"""The office's export of registered volunteers, activities and attendance (issue 11): a
valid Frictionless data package with Chinese headers, masked ID numbers, a workbook whose
ID and mobile cells are text, the unit's scope only, audited."""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import sqlite3
import threading
import tracemalloc
import zipfile

import frictionless
import openpyxl
import pytest
from offices import audit_actions, get_db_of, page, reload
from sqlalchemy import event, select, text, update
from test_volunteer_records import HOUR, OfficeUser, make_records, records_of

from form_service.models import Application, utcnow
from form_service.office.exports import wait_for_jobs
from form_service.office_models import AuditEvent, ExportJob
from form_service.volunteer_exports import VolunteerExport, write_volunteers
from form_service.volunteers import record_attendance


def volunteers_with_attendance(app, office, applicant):
    """One volunteer registered through the office (so with an ID and a mobile number),
    one stored directly in a village squad below hutang, and one in niutang."""
    application = applicant.stored(unit="hutang")
    assert office(app, "hutang").decide(application, "approve").status_code == 303
    application = reload(app, application.id)
    (squad,) = make_records(app, 1, unit="hutang-village-a")
    make_records(app, 1, unit="niutang")
    hutang = OfficeUser(app, "hutang")
    activity = hutang.publish(starts_at=utcnow() - datetime.timedelta(days=2))
    registered = next(r for r in records_of(app) if r.first_application_id == application.id)
    hutang.write(record_attendance, activity, {registered.id: 3 * HOUR, squad: 90})
    return application, registered


def unpack(data: bytes, folder) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    archive.extractall(folder)
    return archive


def rows_of(path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_the_package_is_valid_masked_and_holds_the_scope(app, office, applicant, tmp_path):
    application, registered = volunteers_with_attendance(app, office, applicant)
    account = office(app, "hutang", "administrator", username="hutang-admin")
    listing = page(account.get("/office/volunteers")).select_one("#volunteers-export a")
    response = account.get(listing["href"])
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = unpack(response.data, tmp_path)
    assert set(archive.namelist()) == {
        "datapackage.json",
        "volunteers.csv",
        "activities.csv",
        "attendance.csv",
        "volunteers.xlsx",
    }
    report = frictionless.validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])

    volunteers = rows_of(tmp_path / "volunteers.csv")
    assert {row["单位代码"] for row in volunteers} == {"hutang", "hutang-village-a"}
    row = next(r for r in volunteers if r["志愿者编号"] == registered.volunteer_number)
    assert row["服务时长（小时）"] == "3" and row["角色"] == "志愿者"
    id_number = row["身份证号码"]
    assert len(id_number) == 18 and id_number[6:14] == "********"
    assert id_number[-4:] == application.id_last4
    assert row["手机号码"].startswith("1") and len(row["手机号码"]) == 11
    (activity,) = rows_of(tmp_path / "activities.csv")
    assert activity["名称"] == "夜间治安巡逻" and activity["类别"] == "志愿服务活动"
    attendance = rows_of(tmp_path / "attendance.csv")
    assert sorted(r["服务时长（小时）"] for r in attendance) == ["1.5", "3"]

    workbook = openpyxl.load_workbook(tmp_path / "volunteers.xlsx")
    assert workbook.sheetnames == ["志愿者", "活动", "服务记录"]
    sheet = workbook["志愿者"]
    header = [cell.value for cell in sheet[1]]
    cells = {
        title: [row[header.index(title)] for row in sheet.iter_rows(min_row=2)]
        for title in ("身份证号码", "手机号码", "积分")
    }
    assert all(c.data_type == "s" for c in cells["身份证号码"] + cells["手机号码"] if c.value)
    assert all(c.data_type == "n" for c in cells["积分"])
    assert "export" in audit_actions(app)


def test_an_unreadable_number_leaves_the_row_in_the_package(app, office, applicant, tmp_path):
    application, registered = volunteers_with_attendance(app, office, applicant)
    with get_db_of(app).write() as session:
        session.execute(
            update(Application)
            .where(Application.id == application.id)
            .values(id_encrypted="not-a-token")
        )
    account = office(app, "hutang", "administrator", username="hutang-admin")
    unpack(account.get("/office/units/hutang/volunteers.zip").data, tmp_path)
    assert frictionless.validate(tmp_path / "datapackage.json").valid
    rows = rows_of(tmp_path / "volunteers.csv")
    row = next(r for r in rows if r["志愿者编号"] == registered.volunteer_number)
    assert row["身份证号码"] == "（无法读取）" and row["服务时长（小时）"] == "3"


def test_another_units_volunteers_cannot_be_exported(app, office, applicant):
    volunteers_with_attendance(app, office, applicant)
    intruder = office(app, "niutang", "administrator")
    assert intruder.get("/office/units/hutang/volunteers.zip").status_code == 404
    squad = office(app, "hutang-village-a", "administrator")
    assert squad.get("/office/units/hutang/volunteers.zip").status_code == 404
    assert "export" not in audit_actions(app)


# --- as a background job ------------------------------------------------------------------


@pytest.fixture
def background(app):
    """Wujin with every volunteers' package built as an export job: the app the
    ``applicant`` fixture submits to, so that one queue runner takes the job and
    ``wait_for_jobs`` waits for the runner that has it."""
    app.config["EXPORT_BACKGROUND_THRESHOLD"] = 0
    return app


def export_events(app) -> list[dict]:
    with get_db_of(app).sessions() as session:
        return [
            event.detail
            for event in session.scalars(
                select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)
            )
        ]


def test_a_large_package_is_a_job_audited_at_each_download(background, office, applicant, tmp_path):
    app = background
    application, registered = volunteers_with_attendance(app, office, applicant)
    account = office(app, "hutang", "administrator", username="hutang-admin")
    started = account.get("/office/units/hutang/volunteers.zip")
    assert started.status_code == 303
    job_url = started.headers["Location"]
    assert job_url.startswith("/office/exports/")
    wait_for_jobs(app)
    assert export_events(app) == []  # asked for, built, not yet handed over

    progress = page(account.get(job_url))
    assert (
        progress.select_one("h1").get_text()
        == "导出 湖塘平安志愿者工作站 的志愿者档案、活动和服务记录"
    )
    state = progress.select_one("#job-state").get_text()
    assert "志愿者 2 人，活动 1 项，服务记录 2 条" in state
    assert progress.select_one("#excluded") is None
    download = account.get(progress.select_one("#download")["href"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "hutang-volunteers-" in download.headers["Content-Disposition"]
    unpack(download.data, tmp_path)
    report = frictionless.validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    row = next(
        r
        for r in rows_of(tmp_path / "volunteers.csv")
        if r["志愿者编号"] == registered.volunteer_number
    )
    assert row["身份证号码"][6:14] == "********" and row["服务时长（小时）"] == "3"
    (audited,) = export_events(app)
    assert audited["content"] == "志愿者档案、活动和服务记录"
    assert (audited["volunteers"], audited["activity_rows"], audited["attendance"]) == (2, 1, 2)
    assert audited["background"] is True

    account.get(progress.select_one("#download")["href"])
    assert len(export_events(app)) == 2  # every download is an export handed over


def test_the_job_is_reused_until_the_data_changes(background, office, applicant):
    app = background
    application, registered = volunteers_with_attendance(app, office, applicant)
    account = office(app, "hutang", "administrator", username="hutang-admin")
    job_url = account.get("/office/units/hutang/volunteers.zip").headers["Location"]
    wait_for_jobs(app)
    assert account.get("/office/units/hutang/volunteers.zip").headers["Location"] == job_url
    hutang = OfficeUser(app, "hutang", "administrator")
    activity = hutang.publish(starts_at=utcnow() - datetime.timedelta(days=1))
    hutang.write(record_attendance, activity, {registered.id: 2 * HOUR})
    again = account.get("/office/units/hutang/volunteers.zip").headers["Location"]
    assert again != job_url
    wait_for_jobs(app)
    assert (
        "活动 2 项，服务记录 3 条" in page(account.get(again)).select_one("#job-state").get_text()
    )
    with get_db_of(app).sessions() as session:
        kinds = {job.options["kind"] for job in session.scalars(select(ExportJob))}
    assert kinds == {"volunteers"}


def test_another_office_cannot_see_or_download_the_job(background, office, applicant):
    app = background
    volunteers_with_attendance(app, office, applicant)
    account = office(app, "hutang", "administrator", username="hutang-admin")
    job_url = account.get("/office/units/hutang/volunteers.zip").headers["Location"]
    wait_for_jobs(app)
    intruder = office(app, "niutang", "administrator")
    assert intruder.get(job_url).status_code == 404
    assert intruder.get(job_url + "/download").status_code == 404
    assert export_events(app) == []


def test_one_indexed_query_per_table(app, office, applicant):
    volunteers_with_attendance(app, office, applicant)
    db = get_db_of(app)
    statements: list[tuple[str, object]] = []

    writer = threading.get_ident()  # not the outbox sender's or the queue runner's reads

    def seen(_connection, _cursor, statement, parameters, _context, _many):
        if threading.get_ident() == writer and statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with app.test_request_context():
            write_volunteers(VolunteerExport("hutang"), io.BytesIO())
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert len(statements) == 3
    tables = ("volunteer_records", "activities", "attendances")
    for (statement, parameters), table in zip(statements, tables, strict=True):
        assert f"FROM {table}" in statement
        plan = explain(db, statement, parameters)
        if db.is_sqlite:
            assert f"SEARCH {table} USING INDEX" in plan and "unit=?" in plan, plan
            assert "SCAN" not in plan, plan
        else:  # which index PostgreSQL costs cheapest on tiny tables varies: any, no scan
            assert "Index Scan using" in plan and f" on {table}" in plan, plan
            assert "Seq Scan" not in plan, plan


def explain(db, statement: str, parameters) -> str:
    """The plan of *statement* as on large tables: SQLite without the tiny tables'
    statistics (a fresh connection loads none), PostgreSQL with sequential scans off."""
    if db.is_sqlite:
        with contextlib.closing(sqlite3.connect(db.engine.url.database)) as connection:
            connection.execute("DELETE FROM sqlite_stat1")
            connection.commit()
        with contextlib.closing(sqlite3.connect(db.engine.url.database)) as connection:
            rows = connection.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            return " ".join(row[-1] for row in rows)
    with db.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        return " ".join(row[0] for row in rows)


def test_peak_memory_stays_flat_as_the_rows_grow(app, tmp_path):
    """Four times the volunteers, not four times the memory: rows stream in batches of
    1,000 (both sizes fill several), into a file as a job writes (in memory it would grow).
    Measured: 4.61 MB for 7,200 rows, 4.67 MB for 19,200."""
    peaks = []
    for count, start in ((2500, 1), (7500, 5001)):
        make_records(app, count, unit="niutang", start=start)
        with app.test_request_context():
            tracemalloc.start()
            try:
                write_volunteers(VolunteerExport("niutang"), tmp_path / f"{count}.zip")
                peaks.append(tracemalloc.get_traced_memory()[1])
            finally:
                tracemalloc.stop()
    assert peaks[1] < 1.25 * peaks[0], peaks
