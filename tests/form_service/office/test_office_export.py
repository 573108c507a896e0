"""Exports through the route and the command: a valid data package, masked, never a formula."""

from __future__ import annotations

import csv
import datetime
import io
import json
import zipfile

import frictionless
import openpyxl
import pytest
from offices import OfficeApplicant, audit_actions, get_db_of, page
from sqlalchemy import update

from form_service.models import Application
from form_service.office.exports import wait_for_jobs
from pingan.cli import main as pingan
from pingan.idnumber import compose_id_number
from pingan.records import format_reference

FORMULA = '=HYPERLINK("http://x.cn")'
SHANXI_ROSTER = [
    "姓名",
    "性别",
    "年龄",
    "单位",
    "专业或特长",
    "身份证号",
    "健康状况",
    "服务时间",
    "服务项目",
    "联系方式",
]


def id_ending_in_x(area: str = "140105") -> str:
    numbers = (compose_id_number(area, datetime.date(1990, 5, 17), seq) for seq in range(1000))
    return next(number for number in numbers if number.endswith("X"))


@pytest.fixture
def shanxi(office_app):
    app = office_app("shanxi-youth")
    applicant = OfficeApplicant(app, "shanxi-2026")
    plain = applicant.stored(unit="taiyuan")
    with_x = applicant.stored(unit="taiyuan", id_number=id_ending_in_x())
    formula = applicant.stored(unit="taiyuan")
    applicant.stored(unit="datong")
    with get_db_of(app).write() as session:
        session.execute(
            update(Application).where(Application.id == formula.id).values(name=FORMULA)
        )
    return app, (plain, with_x, formula)


def unpack(data: bytes, folder) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    archive.extractall(folder)
    return archive


def test_the_package_is_valid_opens_in_excel_and_masks_id_numbers(shanxi, office, tmp_path):
    app, (plain, with_x, formula) = shanxi
    account = office(app, "taiyuan")
    response = account.get("/office/units/taiyuan/export.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    archive = unpack(response.data, tmp_path)
    assert {"datapackage.json", "applications.xlsx", "roster.xlsx", "shanxi-2026.csv"} <= set(
        archive.namelist()
    )
    report = frictionless.validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])

    raw_csv = (tmp_path / "shanxi-2026.csv").read_bytes()
    assert raw_csv.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw_csv.decode("utf-8-sig"))))
    assert len(rows) == 3  # datong's application is outside taiyuan's scope
    # The header is Chinese; the reference reads as the applicant was given it.
    ids = {row["申请编号"]: row["身份证号码"] for row in rows}
    with_x_id = ids[format_reference(with_x.reference)]
    assert with_x_id.endswith("X") and len(with_x_id) == 18
    assert with_x_id[6:14] == "********"
    assert ids[format_reference(plain.reference)].startswith("140105")

    workbook = openpyxl.load_workbook(tmp_path / "roster.xlsx")
    sheet = next(sheet for sheet in workbook.worksheets if "2026" in sheet.title)
    assert [cell.value for cell in sheet[1]] == SHANXI_ROSTER
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]
    age_column = SHANXI_ROSTER.index("年龄") + 1
    assert all(cell.data_type == "s" for cell in cells if cell.column != age_column)
    assert all(cell.data_type == "n" for cell in cells if cell.column == age_column)
    assert FORMULA in [cell.value for cell in cells]
    id_column = SHANXI_ROSTER.index("身份证号")
    assert any(row[id_column].value.endswith("X") for row in sheet.iter_rows(min_row=2))
    phones = [row[SHANXI_ROSTER.index("联系方式")].value for row in sheet.iter_rows(min_row=2)]
    assert all(isinstance(phone, str) and phone.startswith("1") for phone in phones)


def test_the_workbook_holds_no_formula_in_its_xml(shanxi, office, tmp_path):
    app, _ = shanxi
    archive = unpack(office(app, "taiyuan").get("/office/units/taiyuan/export.zip").data, tmp_path)
    with zipfile.ZipFile(tmp_path / "roster.xlsx") as workbook:
        sheets = [n for n in workbook.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            assert b"<f>" not in workbook.read(name) and b"<f " not in workbook.read(name)
    assert archive.testzip() is None


def test_a_landline_with_a_leading_zero_stays_text(shanxi, office, tmp_path):
    app, _ = shanxi
    unpack(office(app, "taiyuan").get("/office/units/taiyuan/export.zip").data, tmp_path)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "shanxi-2026.csv").read_text("utf-8-sig"))))
    assert all(row["固定电话"].startswith("0351") for row in rows)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text("utf-8"))
    fields = {f["name"]: f for f in descriptor["resources"][-1]["schema"]["fields"]}
    assert fields["固定电话"]["type"] == fields["手机"]["type"] == "string"


def test_offices_choose_the_columns(shanxi, office, tmp_path):
    app, _ = shanxi
    account = office(app, "taiyuan")
    response = account.get(
        "/office/units/taiyuan/export.zip?campaign=shanxi-2026&column=name&column=id_number"
    )
    archive = unpack(response.data, tmp_path)
    assert "shanxi-2014.csv" not in archive.namelist()
    header = (tmp_path / "shanxi-2026.csv").read_text("utf-8-sig").splitlines()[0]
    assert header == "姓名,身份证号码"
    unknown = account.get("/office/units/taiyuan/export.zip?column=shoe_size")
    assert unknown.status_code == 303
    flash = page(account.get(unknown.headers["Location"])).select_one(".flash-error")
    assert "shoe_size" in flash.get_text()


def test_full_numbers_only_on_an_administrators_explicit_request_and_audited(
    shanxi, office, tmp_path
):
    app, (plain, _, _) = shanxi
    admin = office(app, "taiyuan", "administrator")
    response = admin.post(
        "/office/units/taiyuan/export.zip", {"full_id_numbers": "1", "campaign": "shanxi-2026"}
    )
    assert response.status_code == 200
    unpack(response.data, tmp_path)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "shanxi-2026.csv").read_text("utf-8-sig"))))
    with app.app_context():
        from form_service.context import cipher

        full = cipher().decrypt(plain.id_encrypted)
    assert full in [row["身份证号码"] for row in rows]
    assert "export_full_id" in audit_actions(app, unit="taiyuan")


def test_every_export_is_audited(shanxi, office):
    app, _ = shanxi
    office(app, "taiyuan").get("/office/units/taiyuan/export.zip")
    assert audit_actions(app, action="export") == ["export"]


def test_a_large_export_runs_in_the_background_and_is_cached(office_app, office, tmp_path):
    app = office_app("shanxi-youth", EXPORT_BACKGROUND_THRESHOLD=2)
    applicant = OfficeApplicant(app, "shanxi-2026")
    for _ in range(3):
        applicant.stored(unit="taiyuan")
    account = office(app, "taiyuan")
    started = account.get("/office/units/taiyuan/export.zip")
    assert started.status_code == 303
    job_url = started.headers["Location"]
    wait_for_jobs(app)
    progress = page(account.get(job_url))
    assert "共 3 份报名" in progress.select_one("#job-state").get_text()
    download = account.get(progress.select_one("#download")["href"])
    archive = unpack(download.data, tmp_path)
    assert "roster.xlsx" in archive.namelist()

    assert account.get("/office/units/taiyuan/export.zip").headers["Location"] == job_url
    applicant.stored(unit="taiyuan")
    assert account.get("/office/units/taiyuan/export.zip").headers["Location"] != job_url
    wait_for_jobs(app)


def test_the_progress_page_offers_a_refresh_while_running(office_app, office):
    """A link, not a meta refresh: a page that reloads itself breaks WCAG 2.2.1 (axe)."""
    app = office_app("shanxi-youth", EXPORT_BACKGROUND_THRESHOLD=0)
    OfficeApplicant(app, "shanxi-2026").stored(unit="taiyuan")
    account = office(app, "taiyuan")
    location = account.get("/office/units/taiyuan/export.zip").headers["Location"]
    wait_for_jobs(app)
    with get_db_of(app).write() as session:
        from form_service.office_models import ExportJob

        session.execute(update(ExportJob).values(state="running", done=0))
    running = page(account.get(location))
    assert running.select_one('meta[http-equiv="refresh"]') is None
    assert running.select_one("a#refresh")["href"] == location
    assert running.select_one("progress") is not None


def test_the_export_page_says_which_file_to_open_in_excel(shanxi, office):
    app, _ = shanxi
    files = page(office(app, "taiyuan").get("/office/units/taiyuan/export")).select_one(
        "#export-files"
    )
    advice = [item.get_text(" ", strip=True) for item in files.select("li")]
    assert "用 Excel 打开 applications.xlsx" in advice[0] and "roster.xlsx" in advice[0]
    assert "请勿用 Excel 直接打开 CSV" in advice[1]


def test_the_export_command_writes_the_same_package(office_app, tmp_path, monkeypatch, capsys):
    app = office_app("shanxi-youth")
    OfficeApplicant(app, "shanxi-2026").stored(unit="taiyuan")
    config = app.config
    for key, env in [
        ("DATABASE_URL", "PINGAN_DATABASE_URL"),
        ("DATA_KEYS", "PINGAN_DATA_KEYS"),
        ("HMAC_KEY", "PINGAN_HMAC_KEY"),
        ("SECRET_KEY", "PINGAN_SECRET_KEY"),
        ("DATA_DIR", "PINGAN_DATA_DIR"),
    ]:
        monkeypatch.setenv(env, str(config[key]))
    monkeypatch.setenv("PINGAN_TODAY", "2026-11-23")
    out = tmp_path / "taiyuan.zip"
    assert (
        pingan(["export", "--unit", "taiyuan", "--out", str(out), "--campaign", "shanxi-2026"]) == 0
    )
    folder = tmp_path / "package"
    zipfile.ZipFile(out).extractall(folder)
    assert frictionless.validate(folder / "datapackage.json").valid
    assert "export" in audit_actions(app, unit="taiyuan")
    assert "用 Excel 查看请打开其中的 applications.xlsx 或 roster.xlsx" in capsys.readouterr().out
