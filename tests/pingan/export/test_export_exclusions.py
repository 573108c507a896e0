"""One bad record never stops an export: it is left out of its CSV and sheet, and listed.

A record is left out when the schema refuses its row, when its text cannot be written as
UTF-8 (a lone surrogate) or when a value cannot be written as text at all; the package
still validates with the other rows, says how many were left out, and carries
``excluded.csv`` (reference, campaign, field, reason; never the value itself).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import frictionless
import pytest
from export_records import TODAY, RecordFactory
from openpyxl import load_workbook

import pingan.export.package as package
from pingan.deployment import Deployment
from pingan.export.package import (
    EXCLUDED_HEADER,
    UNENCODABLE,
    Excluded,
    excluded_name,
    read_excluded,
    write_package,
)

SURROGATE = "x\ud800y"


def export(records, campaign, deployment: Deployment, tmp_path: Path, **options):
    """Write the package of one campaign and unpack it; → (folder, summary)."""
    target = tmp_path / "export.zip"
    summary = write_package(records, [campaign], deployment, target, today=TODAY, **options)
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(target) as archive:
        archive.extractall(folder)
    return folder, summary


def csv_references(folder: Path, campaign_id: str) -> list[str]:
    text = (folder / f"{campaign_id}.csv").read_text(encoding="utf-8-sig")
    return [row["申请编号"] for row in csv.DictReader(io.StringIO(text))]


def roster_names(folder: Path) -> list[str]:
    sheet = load_workbook(folder / "roster.xlsx").worksheets[0]
    return [row[0].value for row in sheet.iter_rows(min_row=2)]


def excluded_rows(folder: Path) -> list[list[str]]:
    with (folder / "excluded.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def spoiled(record: dict, override: dict) -> dict:
    """*record* with *override*'s values; a mapping of answers is merged, anything else set."""
    for key, value in override.items():
        if key == "answers" and isinstance(value, dict):
            record["answers"].update(value)
        else:
            record[key] = value
    return record


def assert_valid(folder: Path) -> None:
    report = frictionless.validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize(
    ("where", "field_title"),
    [
        ({"answers": {"registration_address": SURROGATE}}, "注册地址"),
        ({"answers": {"email": SURROGATE}}, "电子邮箱"),
        ({"name": SURROGATE}, "姓名"),
        ({"answers": {"availability": ["周末", SURROGATE]}}, "服务时间"),
    ],
)
def test_text_utf8_cannot_hold_is_left_out_naming_its_field(
    where: dict, field_title: str, wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    good = make_record(campaign, wujin, 0, answers={"name": "张一"})
    bad = make_record(campaign, wujin, 1, reference="ABCDE23456", **where)
    after = make_record(campaign, wujin, 2, answers={"name": "张三"})

    folder, summary = export([good, bad, after], campaign, wujin, tmp_path)

    assert csv_references(folder, campaign.id) == [good["reference"], after["reference"]]
    assert roster_names(folder) == ["张一", "张三"]
    assert summary.rows == {campaign.id: 2}
    assert summary.excluded_count == 1
    assert summary.excluded == [Excluded("ABCDE-23456", campaign.title, field_title, UNENCODABLE)]
    assert excluded_rows(folder) == [
        list(EXCLUDED_HEADER),
        ["ABCDE-23456", campaign.title, field_title, UNENCODABLE],
    ]
    assert_valid(folder)


def test_a_bad_value_in_a_roster_only_column_leaves_the_record_out_of_both_files(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    """Nothing half-written: the CSV without the column would take it, the sheet not."""
    campaign = wujin.campaigns["wujin-2026"]
    good = make_record(campaign, wujin, 0)
    bad = make_record(campaign, wujin, 1, answers={"registration_address": SURROGATE})

    folder, summary = export([good, bad], campaign, wujin, tmp_path, columns=["reference", "name"])

    assert csv_references(folder, campaign.id) == [good["reference"]]
    assert len(roster_names(folder)) == 1
    assert [e.field for e in summary.excluded] == ["注册地址"]
    assert_valid(folder)


@pytest.mark.parametrize(
    ("override", "field_title", "reason"),
    [
        ({"unit": "not-a-town"}, "所在镇（开发区、街道）", "未通过导出校验：不在可选的值之中"),
        ({"answers": {"name": "张"}}, "姓名", "未通过导出校验：短于最小长度"),
        ({"answers": {"registration_address": ""}}, "注册地址", "未通过导出校验：必填却为空"),
        ({"submitted_at": 20260902}, "报名时间", "无法转换为导出格式（AttributeError）"),
        ({"answers": {"availability": 7}}, "服务时间", "无法转换为导出格式（TypeError）"),
        ({"answers": ["not", "a", "mapping"]}, "", "无法转换为导出格式（AttributeError）"),
        ({"id_number": 320412199001010011}, "", "无法转换为导出格式（TypeError）"),
    ],
)
def test_a_row_the_schema_refuses_or_that_cannot_be_made_is_left_out(
    override: dict,
    field_title: str,
    reason: str,
    wujin: Deployment,
    make_record: RecordFactory,
    tmp_path: Path,
):
    campaign = wujin.campaigns["wujin-2026"]
    good = make_record(campaign, wujin, 0)
    bad = spoiled(make_record(campaign, wujin, 1, reference="R-BAD"), override)

    folder, summary = export([bad, good], campaign, wujin, tmp_path)

    assert csv_references(folder, campaign.id) == [good["reference"]]
    assert summary.excluded == [Excluded("R-BAD", campaign.title, field_title, reason)]
    assert_valid(folder)


def test_a_record_the_caller_could_not_read_is_left_out_with_its_reason(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    unreadable = {"reference": "ABCDE23456", "campaign": campaign.id, "unreadable": "无法解密"}

    folder, summary = export([unreadable, make_record(campaign, wujin)], campaign, wujin, tmp_path)

    assert summary.excluded == [Excluded("ABCDE-23456", campaign.title, "", "无法解密")]
    assert summary.rows == {campaign.id: 1}


def test_the_package_says_how_many_were_left_out_and_never_names_a_value(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    records = [
        make_record(campaign, wujin, 0),
        make_record(campaign, wujin, 1, id_number="1234"),  # too short: refused
        make_record(campaign, wujin, 2, answers={"email": SURROGATE}),
    ]

    folder, summary = export(records, campaign, wujin, tmp_path, full_id_numbers=True)

    description = json.loads((folder / "datapackage.json").read_text("utf-8"))["description"]
    assert "有 2 份报名因数据有误未能导出，名单见 excluded.csv。" in description
    listed = (folder / "excluded.csv").read_text("utf-8-sig")
    assert "1234" not in listed and "\ufffd" not in listed and "xy" not in listed
    assert [e.field for e in summary.excluded] == ["身份证号码", "电子邮箱"]
    resources = json.loads((folder / "datapackage.json").read_text("utf-8"))["resources"]
    assert [r["path"] for r in resources] == [f"{campaign.id}.csv"]
    assert_valid(folder)


def test_a_clean_export_has_no_excluded_list(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    folder, summary = export([make_record(campaign, wujin)], campaign, wujin, tmp_path)

    assert not (folder / "excluded.csv").exists()
    assert (summary.excluded_count, summary.excluded) == (0, [])
    assert (
        "未能导出"
        not in json.loads((folder / "datapackage.json").read_text("utf-8"))["description"]
    )


def test_every_exclusion_is_counted_and_the_first_ones_kept_in_the_summary(
    wujin: Deployment,
    make_record: RecordFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(package, "EXCLUDED_LISTED", 2)
    campaign = wujin.campaigns["wujin-2026"]
    records = [make_record(campaign, wujin, n, unit="not-a-town") for n in range(5)]

    folder, summary = export(records, campaign, wujin, tmp_path)

    assert summary.excluded_count == 5
    assert [e.reference for e in summary.excluded] == [r["reference"] for r in records[:2]]
    assert len(excluded_rows(folder)) == 1 + 5
    listed, count = read_excluded(tmp_path / "export.zip", [campaign.id], limit=3)
    assert count == 5
    assert listed == [
        Excluded(
            r["reference"],
            campaign.title,
            "所在镇（开发区、街道）",
            "未通过导出校验：不在可选的值之中",
        )
        for r in records[:3]
    ]


def test_the_excluded_list_reads_back_as_written(
    wujin: Deployment, make_record: RecordFactory, tmp_path: Path
):
    campaign = wujin.campaigns["wujin-2026"]
    records = [make_record(campaign, wujin), make_record(campaign, wujin, 1, name=SURROGATE)]
    _, summary = export(records, campaign, wujin, tmp_path)

    assert read_excluded(tmp_path / "export.zip", [campaign.id]) == (summary.excluded, 1)
    clean = tmp_path / "clean.zip"
    write_package([records[0]], [campaign], wujin, clean, today=TODAY)
    assert read_excluded(clean, [campaign.id]) == ([], 0)


def test_a_campaign_called_excluded_keeps_its_own_csv():
    assert excluded_name(["wujin-2026"]) == "excluded.csv"
    assert excluded_name(["excluded"]) == "excluded_records.csv"
