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
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from export_records import BIRTH, TODAY, RecordFactory, id_number_ending_in_x
from openpyxl import load_workbook

from pingan.deployment import Deployment
from pingan.export.package import write_package
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
