"""fastcheck reports exactly what frictionless reports: row numbers, field names, types;
its fast predicate never passes a row that the full check refuses."""

from __future__ import annotations

import json
from pathlib import Path

import frictionless
import pytest
from export_records import TODAY, many_records
from hypothesis import given, settings
from hypothesis import strategies as st

from pingan.deployment import Deployment
from pingan.export.fastcheck import CSV_DIALECT, TableChecker, validate_csv
from pingan.export.package import write_package
from pingan.export.schema import export_schema

SCHEMA = {
    "fields": [
        {
            "name": "reference",
            "type": "string",
            "constraints": {"required": True, "unique": True, "pattern": "[A-Z0-9]{4}"},
        },
        {
            "name": "name",
            "type": "string",
            "constraints": {"required": True, "minLength": 2, "maxLength": 5},
        },
        {"name": "unit", "type": "string", "constraints": {"enum": ["东镇", "西镇"]}},
        {
            "name": "availability",
            "type": "list",
            "delimiter": "、",
            "constraints": {"required": True, "minLength": 1, "maxLength": 2},
        },
        {"name": "age", "type": "integer", "constraints": {"enum": [18, 19]}},
        {"name": "health", "type": "boolean", "trueValues": ["健康"], "falseValues": ["未声明"]},
        {"name": "birth_date", "type": "date"},
        {"name": "submitted_at", "type": "datetime", "constraints": {"required": True}},
        {"name": "email", "type": "string", "format": "email"},
        {"name": "sex", "type": "string", "constraints": {"enum": ["男", "女"]}},
    ],
    "missingValues": [""],
}
HEADER = "reference,name,unit,availability,age,health,birth_date,submitted_at,email,sex"
GOOD = "AB12,张三,东镇,周一,18,健康,2000-01-01,2026-09-01T10:00:00+08:00,a@b.cn,男"

#: name → lines after the BOM; each broken line says what it breaks.
FILES = {
    "good": [HEADER, GOOD, "AB13,李四,,周一、周二,,,,2026-09-01T10:00:00Z,,"],
    "cells": [
        HEADER,
        GOOD,
        # every cell wrong, reference a duplicate
        "AB12,张,北镇,周一、周二、周三,x,yes,2000-13-01,2026-09-01,bad,M",
        # pattern, maxLength, missing required list, integer with spaces, non-ISO date
        "ab,张三三三三三,,, 19 ,未声明,2000-1-5,2026-09-01 10:00:00,,",
        # an integer not in the enum, a required datetime missing, a 25th hour
        "AB14,王五,西镇,周日,20,健康,,,,女",
        "AB15,王五,西镇,周日,18,健康,,2026-09-01T25:00:00,,女",
        # whitespace is a value: passes required, fails minLength
        "AB16,  ,东镇,、,1_8,TRUE,,2026-09-01T10:00,,",
    ],
    "shape": [
        HEADER,
        "",  # an empty line is a blank row
        ",,,,,,,,,",  # so are empty cells
        ",,,,,,,,,,x",  # even with something beyond the last field
        "AB13",  # missing cells after required ones
        GOOD.replace("AB12", "AB14") + ",extra,more",  # extra cells
        '"AB15","王\r\n五",东镇,周一,018,健康,2000-02-30,2026-09-01T10:00:00,"x@y.com",男',
        "AB16\n,李四,西镇,周一,18,健康,,2026-09-01T10:00,,",
    ],
    "labels": [HEADER.replace("name,unit", "nam,name") + ",more", GOOD + ",1"],
    "short-header": ["reference,name,unit", GOOD],
    "blank-label": [HEADER.replace(",name,", ",,"), GOOD],
    "unique": [HEADER, GOOD, GOOD, GOOD.replace("张三", "张四"), GOOD.replace("AB12", "AB13")],
}


def write_case(folder: Path, name: str, lines: list[str], schema: dict) -> Path:
    """The CSV (with BOM) and a datapackage.json declaring it as the export does."""
    path = folder / f"{name}.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    resource = {
        "name": name,
        "path": path.name,
        "format": "csv",
        "encoding": "utf-8-sig",
        "dialect": CSV_DIALECT,
        "schema": schema,
    }
    (folder / "datapackage.json").write_text(json.dumps({"resources": [resource]}))
    return path


def frictionless_report(folder: Path) -> list[list]:
    report = frictionless.validate(folder / "datapackage.json")
    return report.flatten(["rowNumber", "fieldName", "type"])


@pytest.mark.parametrize("case", FILES)
def test_fastcheck_reports_what_frictionless_reports(case: str, tmp_path: Path):
    path = write_case(tmp_path, case, FILES[case], SCHEMA)

    expected = frictionless_report(tmp_path)
    found = validate_csv(str(path), SCHEMA).flatten()

    assert found == expected
    assert (case == "good") == (expected == [])


@pytest.mark.parametrize(
    ("case", "rows"),
    [
        ("cells", {3, 4, 5, 6, 7}),
        # a bare newline ends a record, so "AB16\n,李四…" is two rows (8 and 9)
        ("shape", set(range(2, 10))),
    ],
)
def test_every_broken_line_is_reported(case: str, rows: set[int], tmp_path: Path):
    """Guards the table above: no broken line is broken in a way nobody notices."""
    write_case(tmp_path, case, FILES[case], SCHEMA)
    assert {row for row, _, _ in frictionless_report(tmp_path) if row is not None} == rows


def test_error_limit_is_frictionless_limit(tmp_path: Path):
    lines = [HEADER] + ["AB1,张三,北镇,周一,x,,,,,"] * 600
    path = write_case(tmp_path, "many", lines, SCHEMA)

    found = validate_csv(str(path), SCHEMA)

    assert found.flatten() == frictionless_report(tmp_path)
    assert len(found.problems) == 1000 and found.partial


def test_fastcheck_agrees_on_a_real_export_with_broken_cells(wujin: Deployment, tmp_path: Path):
    """An export written by the package writer, then damaged the way hand edits damage it."""
    campaign = wujin.campaigns["wujin-2026"]
    write_package(
        many_records(campaign, wujin, 50), [campaign], wujin, tmp_path / "x.zip", today=TODAY
    )
    import zipfile

    folder = tmp_path / "unpacked"
    zipfile.ZipFile(tmp_path / "x.zip").extractall(folder)
    csv_path = folder / "wujin-2026.csv"
    lines = csv_path.read_text(encoding="utf-8-sig").splitlines()
    lines[3] = lines[3].replace("湖塘平安志愿者工作站", "湖塘镇")  # not a unit's name
    lines[7] = lines[7].replace(",36,", ",三十六,")  # age is not an integer
    lines[9] = lines[9].replace("已提交", "")  # stage emptied: allowed
    lines[12] = lines[12].replace("张示例", "")  # name emptied: required
    lines[20] = lines[20].split(",", 3)[0]  # truncated row
    csv_path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        resource.pop("hash"), resource.pop("bytes")  # the file was edited on purpose
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False))

    # The package's schema names its fields in Chinese, as the CSV header does.
    schema = export_schema(campaign, wujin).package_descriptor()
    assert schema == descriptor["resources"][0]["schema"]
    found = validate_csv(str(csv_path), schema).flatten()

    assert found == frictionless_report(folder)
    assert {(row, name) for row, name, _ in found if name} >= {
        (4, "所在镇（开发区、街道）"),
        (8, "年龄"),
        (13, "姓名"),
        (21, "性别"),
    }


def test_schemas_frictionless_refuses_are_refused():
    bad = {"fields": [{"name": "days", "type": "list", "constraints": {"enum": ["周一"]}}]}
    with pytest.raises(ValueError, match="enum"):
        TableChecker(bad)
    with pytest.raises(ValueError, match="number"):
        TableChecker({"fields": [{"name": "x", "type": "number"}]})


#: Cells each column of SCHEMA may hold, good and bad, for the fast predicate's test.
CELLS = [
    ["AB12", "ab", "", "AB1\n", "ＡＢ12"],
    ["张三", "张", "", "  ", "张三三三三三", "王五"],
    ["东镇", "西镇", "北镇", "", " 东镇"],
    ["周一", "周一、周二", "周一、周二、周三", "", "、"],
    ["18", "19", "20", "", " 19 ", "x", "1_8", "-18", "٣"],
    ["健康", "未声明", "TRUE", "", "yes"],
    ["2000-01-01", "2000-13-01", "2000-1-5", ""],
    [
        "2026-09-01T10:00:00+08:00",
        "2026-09-01T10:00:00Z",
        "2026-09-01T25:00:00",
        "2026-09-01T10:00:00+25:00",
        "2026-09-01 10:00:00",
        "2026-09-01",
        "",
    ],
    ["a@b.cn", "bad", ""],
    ["男", "女", "M", ""],
]
EXPORT_LIKE = {  # SCHEMA without "unique" (which the fast predicate leaves to check_row)
    **SCHEMA,
    "fields": [
        {
            **spec,
            "constraints": {k: v for k, v in spec.get("constraints", {}).items() if k != "unique"},
        }
        for spec in SCHEMA["fields"]
    ],
}


@given(st.tuples(*(st.sampled_from(cells) for cells in CELLS)))
@settings(max_examples=400, deadline=None)
def test_the_fast_predicate_never_passes_a_row_check_row_refuses(row: tuple[str, ...]):
    checker = TableChecker(EXPORT_LIKE)
    if checker.passes(list(row)):
        assert checker.check_row(2, list(row)) == []


def test_the_fast_predicate_passes_good_rows_and_refuses_shapes_and_unique():
    checker = TableChecker(EXPORT_LIKE)
    good = GOOD.split(",")
    assert checker.passes(good)
    assert not checker.passes(good[:-1])
    assert not checker.passes([*good, "x"])
    assert not checker.passes([""] * len(good))  # a blank row
    assert not TableChecker(SCHEMA).passes(good)  # unique: only check_row keeps the values


#: Columns of each shape the column-wise test (``suspects``) takes a shortcut for, and
#: cells each may hold, good and bad.
COLUMN_SHAPES = {
    "fields": [
        {"name": "text", "type": "string", "constraints": {"required": True}},
        {"name": "short", "type": "string", "constraints": {"maxLength": 3}},
        {"name": "sized", "type": "string", "constraints": {"minLength": 2, "maxLength": 3}},
        {"name": "named", "type": "string", "constraints": {"required": True, "minLength": 2}},
        {"name": "stage", "type": "string", "constraints": {"required": True, "enum": ["甲"]}},
        {"name": "sex", "type": "string", "constraints": {"enum": ["男", "女"]}},
        {"name": "age", "type": "integer"},
        {"name": "count", "type": "integer", "constraints": {"required": True}},
        {"name": "days", "type": "list", "delimiter": "、", "constraints": {"required": True}},
        {"name": "at", "type": "datetime"},
        {"name": "initial", "type": "string", "constraints": {"minLength": 1, "maxLength": 2}},
        {"name": "stamp", "type": "datetime", "constraints": {"required": True}},
        {"name": "note", "type": "any", "constraints": {"required": True}},
        {"name": "blankable", "type": "string", "constraints": {"enum": ["", "是"]}},
    ],
    "missingValues": [""],
}
#: The same columns where "NA" is missing too: only the plainest keep a shortcut.
COLUMN_SHAPES_NA = {**COLUMN_SHAPES, "missingValues": ["", "NA"]}
COLUMN_CELLS = [
    ["x", "", " "],
    ["abc", "", "abcd"],
    ["ab", "abc", "", "a", "abcd"],
    ["张三", "张", "", "张三丰"],
    ["甲", "乙", ""],
    ["男", "女", "", "M"],
    ["18", "", "٣", " 1", "x", "0"],
    ["7", "", "-1"],
    ["周一", "周一、周二", ""],
    ["2026-09-01T10:00:00+08:00", "", "2026-02-30T10:00:00", "2026-09-01T10:00:00\n"],
    ["a", "ab", "", "abc", "NA"],
    ["2026-09-01T10:00:00Z", "", "NA"],
    ["x", "", "NA"],
    ["", "是", "否", "NA"],
]


@pytest.mark.parametrize(
    ("schema", "cells"),
    [(EXPORT_LIKE, CELLS), (COLUMN_SHAPES, COLUMN_CELLS), (COLUMN_SHAPES_NA, COLUMN_CELLS)],
    ids=["export", "shapes", "shapes-na"],
)
@given(data=st.data())
@settings(max_examples=300, deadline=None)
def test_suspects_are_exactly_the_rows_the_fast_predicate_refuses(schema, cells, data):
    checker = TableChecker(schema)
    row = st.tuples(*(st.sampled_from(column) for column in cells)).map(list)
    rows = data.draw(st.lists(row, max_size=12))
    assert checker.suspects(rows) == {i for i, one in enumerate(rows) if not checker.passes(one)}


def test_the_column_shortcuts_are_taken():
    """Guards the test above: it compares the shortcuts, not only the cell-by-cell way."""

    def shortcuts(schema):
        checker = TableChecker(schema)
        return {checker.names[i] for i, _, column in checker._column_tests if column is not None}

    assert shortcuts(COLUMN_SHAPES) == {
        "text", "short", "initial", "named", "stage", "sex", "age", "count", "days", "at",
        "stamp", "note",
    }  # fmt: skip
    assert shortcuts(COLUMN_SHAPES_NA) == {"text", "days", "note"}


def test_suspects_of_rows_of_another_width_or_blank():
    checker = TableChecker(EXPORT_LIKE)
    good = GOOD.split(",")
    assert checker.suspects([good, good[:-1], [*good, "x"], [""] * len(good), good]) == {1, 2, 3}
    assert checker.suspects([]) == set()
    assert TableChecker(SCHEMA).suspects([good]) == {0}  # unique: check_row decides


def test_every_cell_of_the_table_is_tried_both_ways():
    """Guards CELLS: each column has a cell the fast predicate passes and one it refuses."""
    checker = TableChecker(EXPORT_LIKE)
    good = GOOD.split(",")
    for index, cells in enumerate(CELLS):
        verdicts = {checker.passes([*good[:index], cell, *good[index + 1 :]]) for cell in cells}
        assert verdicts == {True, False}, SCHEMA["fields"][index]["name"]
