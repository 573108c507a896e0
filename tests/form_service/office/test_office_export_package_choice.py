"""The office's choice of package: the whole ZIP (CSV, datapackage.json and the two
workbooks, the default) or the data package alone (``package=csv``: no XLSX, the one a
large office gets in seconds). Each is valid, named for what it is, cached apart from the
other, and audited as what was handed over; any other choice is refused in Chinese."""

from __future__ import annotations

import io
import json
import zipfile

import frictionless
import pytest
from offices import OfficeApplicant, audit_events, get_db_of, page
from sqlalchemy import func, select
from werkzeug.http import parse_options_header

from form_service.office.exports import wait_for_jobs
from form_service.office.pages.exports import UNKNOWN_PACKAGE
from form_service.office_models import ExportJob
from pingan.export.fastcheck import validate_csv

EXPORT = "/office/units/taiyuan/export.zip"
WORKBOOKS = {"applications.xlsx", "roster.xlsx"}


@pytest.fixture
def shanxi(office_app):
    app = office_app("shanxi-youth")
    applicant = OfficeApplicant(app, "shanxi-2026")
    for unit in ("taiyuan", "taiyuan", "datong"):
        applicant.stored(unit=unit)
    return app


def file_name(response) -> str:
    return parse_options_header(response.headers["Content-Disposition"])[1]["filename"]


def unpack(data: bytes, folder) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        archive.extractall(folder)
        return set(archive.namelist())


def assert_valid(folder) -> dict:
    """The package checked both ways: frictionless on the whole package, and each CSV by
    the export's own checker against the schema its descriptor gives."""
    report = frictionless.validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    for resource in descriptor["resources"]:
        found = validate_csv(str(folder / resource["path"]), resource["schema"])
        assert found.flatten() == [], resource["path"]
    return descriptor


def export_details(app) -> list[dict]:
    return [event.detail for event in audit_events(app) if event.action.startswith("export")]


def test_the_data_package_alone_holds_no_workbook_and_validates(shanxi, office, tmp_path):
    response = office(shanxi, "taiyuan").get(f"{EXPORT}?package=csv")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert file_name(response).startswith("taiyuan-csv-")
    names = unpack(response.data, tmp_path)
    assert {"datapackage.json", "shanxi-2026.csv"} <= names
    assert not any(name.endswith(".xlsx") for name in names)
    descriptor = assert_valid(tmp_path)
    assert "不含 Excel 工作簿" in descriptor["description"]
    rows = (tmp_path / "shanxi-2026.csv").read_text("utf-8-sig").splitlines()
    assert len(rows) == 3  # the header and taiyuan's two: datong's is outside the scope
    [detail] = export_details(shanxi)
    assert (detail["workbooks"], detail["rows"], detail["excluded"]) == (False, 2, 0)


@pytest.mark.parametrize("query", ["", "?package=whole"])
def test_the_whole_package_is_the_default_and_keeps_its_workbooks(shanxi, office, tmp_path, query):
    response = office(shanxi, "taiyuan").get(EXPORT + query)
    assert response.status_code == 200
    assert file_name(response).startswith("taiyuan-2")  # no "-csv" in the name
    assert WORKBOOKS | {"datapackage.json", "shanxi-2026.csv"} <= unpack(response.data, tmp_path)
    assert_valid(tmp_path)
    assert [detail["workbooks"] for detail in export_details(shanxi)] == [True]


def test_an_administrator_may_take_full_numbers_in_the_data_package_alone(shanxi, office, tmp_path):
    admin = office(shanxi, "taiyuan", "administrator")
    response = admin.post(EXPORT, {"full_id_numbers": "1", "package": "csv"})
    assert response.status_code == 200
    assert not any(name.endswith(".xlsx") for name in unpack(response.data, tmp_path))
    [event] = [event for event in audit_events(shanxi) if event.action == "export_full_id"]
    assert event.detail["workbooks"] is False


@pytest.mark.parametrize("value", ["xlsx", "", "CSV", "whole,csv"])
def test_any_other_choice_is_refused_in_chinese_and_nothing_is_exported(office_app, office, value):
    # Threshold 0: were the choice let through, a background job would be asked for.
    app = office_app("shanxi-youth", EXPORT_BACKGROUND_THRESHOLD=0)
    OfficeApplicant(app, "shanxi-2026").stored(unit="taiyuan")
    response = office(app, "taiyuan").get(EXPORT, query_string={"package": value})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    summary = page(response).select_one("#export-error")
    assert summary["role"] == "alert"
    assert summary.select_one("a").get_text() == UNKNOWN_PACKAGE
    assert summary.select_one("a")["href"] == "#export-package-whole"
    assert page(response).select_one("#export-package-whole") is not None
    assert export_details(app) == []
    with get_db_of(app).sessions() as session:
        assert session.scalar(select(func.count()).select_from(ExportJob)) == 0


def test_the_export_page_offers_both_packages_in_a_labelled_group(shanxi, office):
    admin = page(office(shanxi, "taiyuan", "administrator").get("/office/units/taiyuan/export"))
    for prefix in ("export", "full"):  # the masked export's form, the full numbers' form
        group = admin.select_one(f"fieldset#{prefix}-package")
        assert group.select_one("legend").get_text() == "导出内容"
        radios = group.select("input[type=radio][name=package]")
        assert [radio["value"] for radio in radios] == ["whole", "csv"]
        assert [radio.has_attr("checked") for radio in radios] == [True, False]
        for radio in radios:
            label = group.select_one(f"label[for={radio['id']}]")
            hint = group.select_one(f"#{radio['aria-describedby']}")
            assert hint is not None and hint in label.descendants
        texts = [group.select_one(f"label[for={r['id']}]").get_text(strip=True) for r in radios]
        assert texts[0].startswith("完整数据包（CSV 和 Excel 工作簿）")
        assert texts[1].startswith("仅数据包（CSV，不含 Excel 工作簿）")
        assert group.find_parent("form") is not None


def test_in_the_background_each_package_is_its_own_cached_job(office_app, office, tmp_path):
    app = office_app("shanxi-youth", EXPORT_BACKGROUND_THRESHOLD=1)
    applicant = OfficeApplicant(app, "shanxi-2026")
    for _ in range(2):
        applicant.stored(unit="taiyuan")
    account = office(app, "taiyuan")
    jobs = {}
    for package in ("csv", "whole"):
        started = account.get(f"{EXPORT}?package={package}")
        assert started.status_code == 303
        jobs[package] = started.headers["Location"]
    assert jobs["csv"] != jobs["whole"]  # never one package served for the other
    wait_for_jobs(app)

    for package, has_workbooks in (("csv", False), ("whole", True)):
        progress = page(account.get(jobs[package]))
        state = progress.select_one("#job-state").get_text()
        assert "共 2 份报名" in state
        assert ("仅 CSV" in state) is not has_workbooks
        download = account.get(progress.select_one("#download")["href"])
        assert download.status_code == 200
        assert ("-csv-" in file_name(download)) is not has_workbooks
        names = unpack(download.data, tmp_path / package)
        assert (WORKBOOKS <= names) is has_workbooks
        assert any(name.endswith(".xlsx") for name in names) is has_workbooks
        assert_valid(tmp_path / package)
        # The same request on unchanged data gets its own finished job again.
        assert account.get(f"{EXPORT}?package={package}").headers["Location"] == jobs[package]

    details = export_details(app)
    assert [(d["workbooks"], d["background"]) for d in details] == [
        (False, True),
        (True, True),
        (False, True),
        (True, True),
    ]
    assert all(d["rows"] == 2 and d["excluded"] == 0 for d in details)
