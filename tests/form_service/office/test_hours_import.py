"""Hours imported from an XLSX sheet (issue 11): recorded through the attendance rules with
their totals and audit, all or nothing, each problem named with its row, the unit's
activities only."""

from __future__ import annotations

import datetime
import io
import zipfile

from offices import audit_actions, page
from openpyxl import Workbook
from sqlalchemy import func, select
from test_volunteer_records import HOUR, OfficeUser, get_db_of, make_records, records_of

from form_service.models import utcnow
from form_service.volunteer_models import Attendance
from form_service.volunteers import record_attendance

HEADER = ("志愿者编号", "活动编号", "服务时长（小时）")


def sheet(*rows) -> bytes:
    workbook = Workbook()
    workbook.active.append(HEADER)
    for row in rows:
        workbook.active.append(row)
    handle = io.BytesIO()
    workbook.save(handle)
    return handle.getvalue()


def upload(account, unit: str, data: bytes):
    form = [("sheet", (io.BytesIO(data), "hours.xlsx"))]
    return account.post(
        f"/office/units/{unit}/hours-import", form, content_type="multipart/form-data"
    )


def attendances(app) -> int:
    with get_db_of(app).sessions() as session:
        return session.scalar(select(func.count(Attendance.id)))


def setting(app):
    ids = make_records(app, 2)
    hutang = OfficeUser(app, "hutang")
    past = utcnow() - datetime.timedelta(days=2)
    patrol = hutang.publish(starts_at=past)
    later = hutang.publish(title="周末巡逻", starts_at=utcnow() + datetime.timedelta(days=3))
    niutang = OfficeUser(app, "niutang").publish(starts_at=past)
    numbers = {r.id: r.volunteer_number for r in records_of(app)}
    return [numbers[i] for i in ids], ids, hutang, (patrol, later, niutang)


def test_a_sheet_records_and_corrects_hours_with_the_totals(app, office):
    numbers, ids, hutang, (patrol, _, _) = setting(app)
    hutang.write(record_attendance, patrol, {ids[1]: HOUR})
    account = office(app, "hutang", "administrator", username="hutang-admin")
    response = upload(
        account, "hutang", sheet((numbers[0], patrol, 2.5), (numbers[1], patrol, "3"))
    )
    assert response.status_code == 303, response.data.decode()
    flashed = page(account.get(response.headers["Location"])).select(".flash")[-1].get_text()
    assert "新登记 1 条，更正 1 条" in flashed
    records = {r.id: r for r in records_of(app)}
    assert (records[ids[0]].minutes, records[ids[1]].minutes) == (150, 180)
    assert audit_actions(app).count("attendance_correct") == 1


def test_one_bad_row_stores_nothing_and_every_problem_is_named(app, office):
    numbers, _, _, (patrol, later, niutang) = setting(app)
    account = office(app, "hutang", "administrator", username="hutang-admin")
    data = sheet(
        (numbers[0], patrol, 2),  # fine
        ("T404", patrol, 2),  # unknown number
        (numbers[1], niutang, 2),  # another unit's activity
        (numbers[1], later, 2),  # not started
        (numbers[1], patrol, "两小时"),  # not hours
        (numbers[0], patrol, 1),  # twice
        (numbers[1], "99999999999", 1),  # no activity (and more than a database integer)
        (numbers[1], "²", 1),  # a digit that is no number
    )
    response = upload(account, "hutang", data)
    assert response.status_code == 422
    problems = page(response).select_one("#import-problems").get_text()
    assert "第 3 行：没有志愿者编号为 T404 的志愿者" in problems
    assert f"第 4 行：没有编号为 {niutang} 的本单位活动" in problems
    assert f"第 5 行：活动 {later} 尚未开始" in problems
    assert "第 6 行：服务时长请填写小时数" in problems
    assert "第 7 行：同一志愿者和活动重复出现" in problems
    assert "第 8 行：没有编号为 99999999999 的本单位活动" in problems
    assert "第 9 行：没有编号为 ² 的本单位活动" in problems
    assert attendances(app) == 0


def test_a_refusal_of_the_attendance_rules_rolls_the_file_back(app, office):
    numbers, _, _, (patrol, _, _) = setting(app)
    account = office(app, "hutang", "administrator", username="hutang-admin")
    response = upload(account, "hutang", sheet((numbers[0], patrol, 2), (numbers[1], patrol, 25)))
    assert response.status_code == 422
    assert (
        "服务时长须在 0 至 24 小时之间" in page(response).select_one("#import-problems").get_text()
    )
    assert attendances(app) == 0


def test_not_a_workbook_and_another_unit_are_refused(app, office):
    setting(app)
    account = office(app, "hutang", "administrator", username="hutang-admin")
    response = upload(account, "hutang", "志愿者编号,活动编号\n".encode())
    assert response.status_code == 422
    assert "请上传 Excel 工作簿" in page(response).select_one("#import-problems").get_text()
    assert upload(account, "niutang", sheet()).status_code == 404


def test_a_zip_bomb_is_refused_by_the_rosters_limits_before_it_is_read(office_app, office):
    """The hours sheet passes the roster's upload limits (upload_limits.roster_problems)."""
    app = office_app("wujin", IMPORT_MAX_UNPACKED_BYTES=1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(sheet())) as original:
            for item in original.infolist():
                archive.writestr(item, original.read(item))
        archive.writestr("xl/media/padding.bin", b"\0" * (4 * 1024 * 1024))
    response = upload(office(app, "hutang", "administrator"), "hutang", buffer.getvalue())
    assert response.status_code == 422
    assert "解压后" in page(response).get_text()
    assert attendances(app) == 0


def test_headers_are_compared_as_the_roster_compares_them(app, office):
    """Spaces, half-width brackets and a required-field star do not hide a column."""
    numbers, _, _, (patrol, _, _) = setting(app)
    workbook = Workbook()
    workbook.active.append(("* 志愿者 编号", "活动编号", "服务时长(小时)"))
    workbook.active.append((numbers[0], patrol, 2))
    handle = io.BytesIO()
    workbook.save(handle)
    account = office(app, "hutang", "administrator", username="hutang-admin")
    assert upload(account, "hutang", handle.getvalue()).status_code == 303
    assert attendances(app) == 1
