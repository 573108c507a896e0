"""The export package: a valid Frictionless data package, a roster Excel keeps as text."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import frictionless
import pytest
from export_records import BIRTH, ROOT, TODAY, RecordFactory, id_number_ending_in_x
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pingan.deployment import Deployment
from pingan.export.package import write_package
from pingan.export.schema import ColumnError
from pingan.idnumber import compose_id_number

HYPERLINK = '=HYPERLINK("http://x","y")'


def export(records, campaigns, deployment, tmp_path: Path, **options) -> tuple[Path, object]:
    """Write the package and unpack it; → (folder, summary)."""
    target = tmp_path / "export.zip"
    summary = write_package(records, campaigns, deployment, target, today=TODAY, **options)
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(target) as archive:
        archive.extractall(folder)
    return folder, summary


def test_package_passes_frictionless_validation(
    deployment: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaigns = list(deployment.campaigns.values())
    records = [make_record(c, deployment, n) for c in campaigns for n in range(5)]
    folder, summary = export(records, campaigns, deployment, tmp_path)

    report = frictionless.validate(folder / "datapackage.json")

    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert summary.rows == {c.id: 5 for c in campaigns}
    names = sorted(zipfile.ZipFile(tmp_path / "export.zip").namelist())
    assert names == sorted(
        [
            "datapackage.json",
            "applications.xlsx",
            "roster.xlsx",
            *(f"{c.id}.csv" for c in campaigns),
        ]
    )


def test_csv_has_a_bom_and_the_declared_encoding_reads_it_back(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    folder, _ = export([make_record(campaign, wujin)], [campaign], wujin, tmp_path)

    header = "申请编号,报名时间,审核阶段,志愿者编号,姓名,身份证号码,性别,年龄,手机号码,"
    assert (folder / "wujin-2026.csv").read_bytes().startswith(b"\xef\xbb\xbf" + header.encode())
    package = frictionless.Package(folder / "datapackage.json")
    resource = package.get_resource("wujin-2026")
    assert resource.encoding == "utf-8-sig"
    with resource:
        assert resource.header == resource.schema.field_names
        row = next(resource.row_stream)
    assert row["姓名"] == "张示例"
    assert row["所在镇（开发区、街道）"] == "湖塘平安志愿者工作站"


def test_schemas_in_datapackage_come_from_the_campaign_fields(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    folder, _ = export([make_record(campaign, wujin)], [campaign], wujin, tmp_path)

    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    fields = {f["name"]: f for f in descriptor["resources"][0]["schema"]["fields"]}

    # Named by their Chinese titles, as in the CSV header office staff read in Excel.
    assert fields["所在镇（开发区、街道）"]["title"] == "所在镇（开发区、街道）"
    assert fields["所在镇（开发区、街道）"]["constraints"] == {
        "required": True,
        "enum": [wujin.tree[u].name for u in _application_units(campaign, wujin)],
    }
    assert fields["服务类型"]["constraints"]["enum"][0] == "参与平安创建"
    assert fields["审核阶段"]["constraints"]["enum"] == [
        "已提交",
        "综治办审核通过，成为注册的平安志愿者",
        "未通过审核",  # a rejected or withdrawn application is exported too
        "已撤回",
    ]
    assert "widget" not in fields["姓名"] and "sensitive" not in fields["身份证号码"]
    assert "出生日期" in fields["身份证号码"]["description"]


def _application_units(campaign, deployment):
    from pingan.campaigns import application_units

    return application_units(campaign, deployment)


@pytest.mark.parametrize(
    ("folder", "campaign_id", "titles"),
    [
        (
            "data",
            "wujin-2026",
            [
                "姓名",
                "性别",
                "年龄",
                "身份证号",
                "手机号码",
                "镇（开发区、街道）",
                "注册地址",
                "服务类型",
                "服务时间",
                "审核阶段",
                "志愿者编号",
            ],
        ),
        (
            "examples/shanxi-youth",
            "shanxi-2014",
            # 附件4 全省青年平安志愿者名单汇总表, in the document's order
            [
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
            ],
        ),
    ],
)
def test_roster_has_the_schemes_columns_in_order(
    folder: str, campaign_id: str, titles: list[str], make_record: RecordFactory, tmp_path: Path
):
    from pingan.deployment import load_deployment

    deployment = load_deployment(ROOT / folder)
    campaign = deployment.campaigns[campaign_id]
    unpacked, _ = export([make_record(campaign, deployment)], [campaign], deployment, tmp_path)

    workbook = load_workbook(unpacked / "roster.xlsx", read_only=True)
    sheet = workbook.worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == titles
    assert len(rows) == 2


def test_roster_has_one_sheet_per_campaign(
    deployment: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaigns = list(deployment.campaigns.values())
    folder, _ = export(
        [make_record(c, deployment) for c in campaigns], campaigns, deployment, tmp_path
    )

    workbook = load_workbook(folder / "roster.xlsx", read_only=True)
    assert len(workbook.sheetnames) == len(campaigns)
    for sheet, campaign in zip(workbook.worksheets, campaigns, strict=True):
        expected = [c["title"] for c in campaign.data["roster"]["columns"]]
        assert [cell.value for cell in next(sheet.iter_rows())] == expected


def test_id_numbers_are_masked_keeping_length_and_hiding_the_birth_date(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    number = compose_id_number("140105", BIRTH, 123)
    record = make_record(campaign, wujin, id_number=number)
    folder, _ = export([record], [campaign], wujin, tmp_path)

    masked = number[:6] + "********" + number[-4:]
    csv_text = (folder / "wujin-2026.csv").read_text(encoding="utf-8-sig")
    assert masked in csv_text and number not in csv_text and "19900101" not in csv_text
    sheet = load_workbook(folder / "roster.xlsx").worksheets[0]
    assert sheet["D2"].value == masked and len(masked) == 18


def test_full_id_numbers_only_when_asked(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    number = compose_id_number("140105", BIRTH, 123)
    folder, summary = export(
        [make_record(campaign, wujin, id_number=number)],
        [campaign],
        wujin,
        tmp_path,
        full_id_numbers=True,
    )
    assert summary.full_id_numbers
    assert number in (folder / "wujin-2026.csv").read_text(encoding="utf-8-sig")
    assert load_workbook(folder / "roster.xlsx").worksheets[0]["D2"].value == number


def test_id_ending_in_x_and_leading_zero_phone_stay_text(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    number = id_number_ending_in_x()
    record = make_record(campaign, wujin, id_number=number, mobile="051988888888")
    folder, _ = export([record], [campaign], wujin, tmp_path, full_id_numbers=True)

    sheet = load_workbook(folder / "roster.xlsx").worksheets[0]
    id_cell, mobile_cell = sheet["D2"], sheet["E2"]
    assert (id_cell.value, id_cell.data_type) == (number, "s")
    assert number.endswith("X") and len(id_cell.value) == 18
    assert (mobile_cell.value, mobile_cell.data_type) == ("051988888888", "s")


def test_no_workbook_cell_is_a_formula_even_for_formula_like_names(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    tricky = [HYPERLINK, "=1+1", "#N/A", "+8613812345678", "@SUM(A1)", "-2+3", "名\x07字"]
    records = [
        make_record(campaign, wujin, n, answers={"name": name, "registration_address": name})
        for n, name in enumerate(tricky)
    ]
    folder, summary = export(records, [campaign], wujin, tmp_path)

    for name in ("roster.xlsx", "applications.xlsx"):
        sheet = load_workbook(folder / name).worksheets[0]
        header = [cell.value for cell in sheet[1]]
        cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
        # Text everywhere; only the age column holds numbers.
        assert {
            header[cell.column - 1]
            for cell in cells
            if cell.value is not None and cell.data_type != "s"
        } == {"年龄"}
        names = [cell.value for cell in sheet[get_column_letter(header.index("姓名") + 1)][1:]]
        assert names == [*tricky[:-1], "名\ufffd字"]
        with zipfile.ZipFile(folder / name) as xlsx:
            sheet_xml = xlsx.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    # The CSV keeps the data as stored, and the office is told how many cells Excel would
    # read as formulas (name and address of the five rows starting with = + - @).
    assert summary.formula_like == {"wujin-2026": 10}
    csv_text = (folder / "wujin-2026.csv").read_text(encoding="utf-8-sig")
    assert '"=HYPERLINK(""http://x"",""y"")"' in csv_text


def test_chosen_columns_in_chosen_order(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    folder, _ = export(
        [make_record(campaign, wujin)], [campaign], wujin, tmp_path, columns=["unit", "name", "age"]
    )

    first_line = (folder / "wujin-2026.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert first_line == "所在镇（开发区、街道）,姓名,年龄"
    assert frictionless.validate(folder / "datapackage.json").valid


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (["name", "shoe_size"], "没有可导出的列：shoe_size"),
        (["birth_date"], "出生日期只能在导出完整身份证号码时导出"),
        (["name", "name"], "列“name”选了两次"),
    ],
)
def test_bad_column_choices_are_refused(
    columns: list[str], message: str, wujin: Deployment, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    with pytest.raises(ColumnError, match=message):
        write_package([], [campaign], wujin, tmp_path / "x.zip", columns=columns)
    assert not (tmp_path / "x.zip").exists()


def test_package_streams_to_a_file_object(wujin: Deployment, make_record: RecordFactory):
    campaign = wujin.campaigns["wujin-2026"]
    buffer = io.BytesIO()
    write_package([make_record(campaign, wujin)], [campaign], wujin, buffer, today=TODAY)
    assert zipfile.ZipFile(buffer).testzip() is None


MEASURE = """
import resource, sys
sys.path.insert(0, {tests!r})
from export_records import many_records
from pingan.deployment import load_deployment
from pingan.export.package import write_package
deployment = load_deployment({data!r})
campaign = deployment.campaigns["wujin-2026"]
write_package(many_records(campaign, deployment, {rows}), [campaign], deployment, {out!r})
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_kib(rows: int, tmp_path: Path) -> int:
    """Peak resident memory of a fresh interpreter exporting *rows* rows (KiB)."""
    code = MEASURE.format(
        tests=str(Path(__file__).parent),
        data=str(ROOT / "data"),
        rows=rows,
        out=str(tmp_path / f"{rows}.zip"),
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return int(result.stdout.strip())


def test_memory_stays_flat_from_1000_to_100000_rows(tmp_path: Path):
    small = peak_rss_kib(1_000, tmp_path)
    large = peak_rss_kib(100_000, tmp_path)
    # Holding the rows would cost well over 100 MiB at 100,000 rows; streaming costs a few.
    assert large - small < 30 * 1024, (small, large)
