"""The office's export of registered volunteers, activities and attendance (issue 11): a
valid Frictionless data package with Chinese headers, masked ID numbers, a workbook whose
ID and mobile cells are text, the unit's scope only, audited."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile

import frictionless
import openpyxl
from offices import audit_actions, get_db_of, page, reload
from sqlalchemy import update
from test_volunteer_records import HOUR, OfficeUser, make_records, records_of

from form_service.models import Application, utcnow
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
