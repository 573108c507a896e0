"""The package's workbooks, the files offices open in Excel: Chinese headers, text cells for
ID and mobile numbers (a spreadsheet reads the CSV's as numbers and loses digits), numbers
for ages, one form of the reference, and a roster that prints like 附件4.

The LibreOffice test converts each workbook to CSV with ``soffice --headless``, as an
office's spreadsheet reads it, and compares every ID and mobile number. A missing soffice
skips it on a developer machine and fails it when the environment variable CI is set.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import frictionless
import pytest
from export_records import BIRTH, TODAY, RecordFactory, id_number_ending_in_x
from openpyxl import load_workbook

import pingan.export.package as package
from pingan.deployment import Deployment
from pingan.export.package import TOO_LONG, Excluded, write_package
from pingan.export.schema import ExportSchema
from pingan.idnumber import compose_id_number


def export(records, campaigns, deployment, tmp_path: Path, **options) -> Path:
    """Write the package and unpack it; → the folder."""
    target = tmp_path / "export.zip"
    write_package(records, campaigns, deployment, target, today=TODAY, **options)
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(target) as archive:
        archive.extractall(folder)
    return folder


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def sheet_rows(sheet) -> list[dict[str, object]]:
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_written_names_are_the_titles_made_unique():
    schema = ExportSchema(
        campaign="c",
        fields=[
            {"name": "name", "title": "姓名", "type": "string"},
            {"name": "remarks", "title": "备注", "type": "string"},
            {"name": "notes", "title": "备注", "type": "string"},
            {"name": "code", "type": "string"},
        ],
    )

    assert schema.written_names() == ["姓名", "备注（remarks）", "备注（notes）", "code"]
    descriptor = schema.package_descriptor()
    assert [spec["name"] for spec in descriptor["fields"]] == schema.written_names()
    assert [spec["name"] for spec in schema.descriptor()["fields"]] == schema.names


def test_reference_is_written_as_people_read_it_everywhere(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    good = make_record(campaign, wujin, 0, reference="EJCYGAF3W7")
    bad = make_record(campaign, wujin, 1, reference="ABCDE23456", answers={"name": ""})
    folder = export([good, bad], [campaign], wujin, tmp_path)

    assert [row["申请编号"] for row in csv_rows(folder / "wujin-2026.csv")] == ["EJCYG-AF3W7"]
    tables = load_workbook(folder / "applications.xlsx")
    assert [row["申请编号"] for row in sheet_rows(tables.worksheets[0])] == ["EJCYG-AF3W7"]
    excluded = sheet_rows(tables["未能导出的报名"])
    assert [(row["申请编号"], row["字段"]) for row in excluded] == [("ABCDE-23456", "姓名")]
    assert [row["申请编号"] for row in csv_rows(folder / "excluded.csv")] == ["ABCDE-23456"]


def test_tables_workbook_has_every_table_with_the_csv_header_and_text_numbers(
    deployment: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaigns = list(deployment.campaigns.values())
    records = [make_record(c, deployment, n) for c in campaigns for n in range(3)]
    folder = export(records, campaigns, deployment, tmp_path, full_id_numbers=True)

    workbook = load_workbook(folder / "applications.xlsx")
    assert len(workbook.worksheets) == len(campaigns)  # nothing excluded: no fourth sheet
    for campaign, sheet in zip(campaigns, workbook.worksheets, strict=True):
        from_csv = csv_rows(folder / f"{campaign.id}.csv")
        from_sheet = sheet_rows(sheet)
        assert list(from_sheet[0]) == list(from_csv[0])
        for csv_row, sheet_row in zip(from_csv, from_sheet, strict=True):
            for title, text in csv_row.items():
                value = sheet_row[title]
                if title == "年龄":
                    assert value == int(text)
                else:
                    assert (value or "") == text, title
        id_cells = [row[0] for row in sheet.iter_rows(min_row=2) if row]
        assert all(cell.data_type == "s" for cell in id_cells)


def test_roster_ages_are_numbers_ids_and_mobiles_text(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    records = [make_record(campaign, wujin, n, mobile="051988888888") for n in range(3)]
    folder = export(records, [campaign], wujin, tmp_path)

    sheet = load_workbook(folder / "roster.xlsx").worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(header, row, strict=True))
        assert (cells["年龄"].value, cells["年龄"].data_type) == (36, "n")
        assert cells["身份证号"].data_type == "s"
        assert (cells["手机号码"].value, cells["手机号码"].data_type) == ("051988888888", "s")


def test_roster_prints_on_a4_landscape_with_the_header_on_every_page(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    folder = export([make_record(campaign, wujin)], [campaign], wujin, tmp_path)

    sheet = load_workbook(folder / "roster.xlsx").worksheets[0]
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    # fitToWidth 1 is the attribute's default in OOXML, which a writer may leave out.
    fit = (int(sheet.page_setup.fitToWidth or 1), int(sheet.page_setup.fitToHeight))
    assert fit == (1, 0)
    widths = {
        sheet.cell(1, column).value: sheet.column_dimensions[letter].width
        for column, letter in enumerate("ABCDEFGHIJK", start=1)
    }
    assert widths["身份证号"] >= 20  # 18 characters, whole
    assert widths["年龄"] < widths["注册地址"]


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("soffice (Debian's libreoffice-calc-nogui) is missing; CI must run this")
        pytest.skip("LibreOffice is not installed")
    return found


def _as_spreadsheet_reads(workbook: Path, sheet: int, out: Path) -> list[list[str]]:
    """One sheet of *workbook* as LibreOffice Calc reads it, saved as UTF-8 CSV."""
    out.mkdir(exist_ok=True)
    # Filter options: comma, double quote, UTF-8 (76), first line 1, then the sheet number.
    options = f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{sheet}"
    subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation=file://{out / 'profile'}",
            "--headless",
            "--convert-to",
            options,
            "--outdir",
            str(out),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = sorted(out.glob(f"{workbook.stem}*.csv"))
    assert converted, f"soffice wrote no CSV for {workbook.name}"
    text = converted[-1].read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_libreoffice_reads_every_id_and_mobile_number_of_the_workbooks(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    numbers = [
        id_number_ending_in_x(),
        compose_id_number("140105", BIRTH, 199),  # 1.40105199…e+17 when read as a number
        *(compose_id_number("320412", BIRTH, n) for n in range(3)),
    ]
    mobiles = ["13812345678", "051988888888", "13900000001", "02512345678", "15000000000"]
    records = [
        make_record(campaign, wujin, n, id_number=number, mobile=mobile, reference=f"EJCYGAF3W{n}")
        for n, (number, mobile) in enumerate(zip(numbers, mobiles, strict=True))
    ]
    folder = export(records, [campaign], wujin, tmp_path, full_id_numbers=True)

    for name in ("applications.xlsx", "roster.xlsx"):
        rows = _as_spreadsheet_reads(folder / name, 1, tmp_path / f"converted-{name}")
        header, body = rows[0], rows[1:]
        id_column = next(i for i, title in enumerate(header) if title.startswith("身份证号"))
        mobile_column = header.index("手机号码")
        assert [row[id_column] for row in body] == numbers, name
        assert [row[mobile_column] for row in body] == mobiles, name
        if name == "applications.xlsx":
            assert header[0] == "申请编号"
            assert [row[0] for row in body] == [f"EJCYG-AF3W{n}" for n in range(5)]


def test_a_table_longer_than_a_sheet_goes_on_in_more_sheets_and_the_package_says_so(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path, monkeypatch
):
    """Excel holds 1,048,576 rows a sheet; a limit of 2 rows stands in for it here, and the
    workbooks are written by the worker processes a large export uses."""
    monkeypatch.setattr(package, "PARALLEL_ROWS", 0)
    campaign = wujin.campaigns["wujin-2026"]
    records = [make_record(campaign, wujin, n, reference=f"EJCYGAF3W{n}") for n in range(5)]
    folder = export(records, [campaign], wujin, tmp_path, sheet_rows=2)

    title = campaign.title
    names = [title, f"{title}（2）", f"{title}（3）"]
    references = [f"EJCYG-AF3W{n}" for n in range(5)]
    assert [row["申请编号"] for row in csv_rows(folder / "wujin-2026.csv")] == references
    for name in ("applications.xlsx", "roster.xlsx"):
        workbook = load_workbook(folder / name)
        assert workbook.sheetnames == names, name
        rows = [row for sheet in workbook.worksheets for row in sheet_rows(sheet)]
        assert len(rows) == 5 and [len(sheet_rows(s)) for s in workbook.worksheets] == [2, 2, 1]
        header = [cell.value for cell in workbook.worksheets[0][1]]
        assert all([cell.value for cell in sheet[1]] == header for sheet in workbook.worksheets)
        assert all(sheet.print_title_rows == "$1:$1" for sheet in workbook.worksheets) == (
            name == "roster.xlsx"
        )
    assert [
        row["申请编号"]
        for sheet in load_workbook(folder / "applications.xlsx")
        for row in sheet_rows(sheet)
    ] == references
    description = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))[
        "description"
    ]
    assert "Excel 每个工作表最多 1,048,576 行" in description
    assert f"“{title}”分为 3 个工作表（{'、'.join(names)}）" in description


def test_a_table_that_fits_says_nothing_of_sheets(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    folder = export(
        [make_record(campaign, wujin, n) for n in range(2)],
        [campaign],
        wujin,
        tmp_path,
        sheet_rows=2,
    )

    description = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))[
        "description"
    ]
    assert "工作表最多" not in description
    assert load_workbook(folder / "roster.xlsx").sheetnames == [campaign.title]


def test_a_campaign_without_applications_still_has_its_headed_sheets(
    deployment: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaigns = list(deployment.campaigns.values())
    folder = export([make_record(campaigns[0], deployment)], campaigns, deployment, tmp_path)

    for name in ("applications.xlsx", "roster.xlsx"):
        workbook = load_workbook(folder / name)
        assert len(workbook.worksheets) == len(campaigns)
        for sheet in workbook.worksheets[1:]:
            assert sheet.max_row == 1 and sheet["A1"].value, (name, sheet.title)


def test_a_value_longer_than_an_excel_cell_leaves_the_record_out(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    records = [
        make_record(campaign, wujin, 0, volunteer_number="V" * 32_768, reference="ABCDE23456"),
        make_record(campaign, wujin, 1, volunteer_number="V" * 32_767, reference="ABCDE23457"),
    ]
    target = tmp_path / "export.zip"
    summary = write_package(records, [campaign], wujin, target, today=TODAY)

    assert summary.rows == {campaign.id: 1}
    assert summary.excluded == [Excluded("ABCDE-23456", campaign.title, "志愿者编号", TOO_LONG)]
    with zipfile.ZipFile(target) as archive:
        archive.extract("applications.xlsx", tmp_path)
    cell = load_workbook(tmp_path / "applications.xlsx").worksheets[0]["D2"]
    assert len(cell.value) == 32_767


def test_the_package_without_workbooks_is_the_same_data_package(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    records = [make_record(campaign, wujin, n) for n in range(3)]
    target = tmp_path / "csv-only.zip"
    write_package(records, [campaign], wujin, target, today=TODAY, workbooks=False)

    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == ["datapackage.json", "wujin-2026.csv"]
        archive.extractall(tmp_path / "unpacked")
    descriptor = json.loads((tmp_path / "unpacked" / "datapackage.json").read_text("utf-8"))
    assert "不含 Excel 工作簿" in descriptor["description"]
    assert frictionless.validate(tmp_path / "unpacked" / "datapackage.json").valid


def test_a_worker_that_fails_fails_the_export_and_leaves_no_package(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(package, "PARALLEL_ROWS", 0)
    monkeypatch.setattr(package.sys, "executable", shutil.which("false"))
    campaign = wujin.campaigns["wujin-2026"]
    records = [make_record(campaign, wujin, n) for n in range(3)]

    with pytest.raises(RuntimeError, match="the workbook worker failed"):
        write_package(records, [campaign], wujin, tmp_path / "x.zip", today=TODAY)
    assert not (tmp_path / "x.zip").exists()


def test_without_an_interpreter_to_start_the_workbooks_are_written_here_as_rows_come(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path, monkeypatch
):
    """An embedded Python has no sys.executable: from PARALLEL_ROWS rows on, the workbooks
    are written here batch by batch (the path that holds no more than a batch)."""
    monkeypatch.setattr(package, "PARALLEL_ROWS", 2)
    monkeypatch.setattr(package, "BATCH", 2)
    monkeypatch.setattr(package.sys, "executable", "")
    campaign = wujin.campaigns["wujin-2026"]
    records = [make_record(campaign, wujin, n, reference=f"EJCYGAF3W{n}") for n in range(5)]
    folder = export(records, [campaign], wujin, tmp_path, sheet_rows=3)

    for name in ("applications.xlsx", "roster.xlsx"):
        workbook = load_workbook(folder / name)
        assert [len(sheet_rows(sheet)) for sheet in workbook.worksheets] == [3, 2], name
