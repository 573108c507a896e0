"""Reading statistics.json: a broken or foreign file is a data error in Chinese; counts of
units the data no longer has are left out."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from pingan.deployment import load_deployment
from pingan.statistics import (
    STATISTICS_FORMAT,
    Counts,
    StatisticsError,
    by_week,
    load_statistics,
)

ROOT = Path(__file__).resolve().parents[2]
COUNTY = ROOT / "examples" / "county-alliance"


def _write(path: Path, **changes) -> Path:
    document = {
        "format": STATISTICS_FORMAT,
        "deployment": "county-alliance",
        "day": "2026-11-20",
        "applications": [],
        "volunteers": [],
        "hours": [],
        "stations": [],
        **changes,
    }
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _problems(path: Path, deployment=None) -> list[tuple[str, str]]:
    with pytest.raises(StatisticsError) as caught:
        load_statistics(path, deployment)
    return [(problem.field, problem.message) for problem in caught.value.problems]


def test_a_missing_or_broken_file_says_so(tmp_path):
    assert _problems(tmp_path / "absent.json") == [("(文件)", "无法读取统计数据文件")]
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert _problems(broken) == [("(文件)", "不是有效的 JSON 文件")]


def test_another_format_or_deployment_is_refused(tmp_path):
    newer = _write(tmp_path / "newer.json", format="pingan-statistics/9")
    [(field, message)] = _problems(newer)
    assert field == "format" and "pingan statistics export" in message
    other = _write(tmp_path / "other.json", deployment="wujin")
    assert _problems(other, load_deployment(COUNTY)) == [
        ("deployment", "这是部署“wujin”的统计数据，不是“county-alliance”的")
    ]


def test_a_negative_count_is_a_problem_of_its_row(tmp_path):
    path = _write(
        tmp_path / "s.json",
        stations=[{"unit": "qutang-village", "applications": -1, "registered": 0}],
    )
    [(field, _)] = _problems(path)
    assert field == "stations[0].applications"


def test_counts_of_removed_units_and_campaigns_are_left_out(tmp_path):
    row = {"day": "2026-11-02", "applications": 3, "registered": 1}
    path = _write(
        tmp_path / "s.json",
        applications=[
            {"campaign": "county-2026", "unit": "kaifaqu", **row},
            {"campaign": "county-2026", "unit": "gone-town", **row},
            {"campaign": "gone-2020", "unit": "kaifaqu", **row},
        ],
        stations=[{"unit": "gone-village", "applications": 9, "registered": 9}],
    )
    statistics = load_statistics(path, load_deployment(COUNTY))
    assert statistics.applications == {
        "county-2026": {"kaifaqu": {datetime.date(2026, 11, 2): Counts(3, 1)}}
    }
    assert statistics.stations == {}


def test_weeks_start_on_monday():
    days = {
        datetime.date(2026, 11, 29): Counts(1, 0),  # a Sunday
        datetime.date(2026, 11, 30): Counts(2, 1),  # the Monday after
        datetime.date(2026, 12, 6): Counts(4, 0),
    }
    assert by_week(days) == {
        datetime.date(2026, 11, 23): Counts(1, 0),
        datetime.date(2026, 11, 30): Counts(6, 1),
    }


def test_the_quick_row_check_is_the_schemas_row_definitions():
    from pingan.schemas import read_schema
    from pingan.statistics import _PATTERNS, ROW_SHAPES

    schema = read_schema("statistics.schema.yaml")
    common = read_schema("common.schema.yaml")["$defs"]
    patterns = {"id": common["id"]["pattern"], "date": common["date"]["pattern"]}
    for key, shape in ROW_SHAPES.items():
        items = schema["properties"][key]["items"]
        assert set(items["required"]) == set(shape) == set(items["properties"])
        assert items["additionalProperties"] is False
        for field, kind in shape.items():
            definition = items["properties"][field]
            if kind == "count":
                assert definition == {"$ref": "#/$defs/count"}
                assert schema["$defs"]["count"] == {"type": "integer", "minimum": 0}
                continue
            if kind == "month":
                pattern = definition["pattern"]
            else:
                assert definition == {"$ref": f"common.schema.yaml#/$defs/{kind}"}
                pattern = patterns[kind]
            assert pattern == f"^{_PATTERNS[kind].pattern}$"


@pytest.mark.parametrize(
    "row",
    [
        {"unit": "qutang-village", "applications": 1.5, "registered": 0},
        {"unit": "qutang-village", "applications": True, "registered": 0},
        {"unit": "Qutang", "applications": 1, "registered": 0},
        {"unit": "qutang-village", "applications": 1},
        {"unit": "qutang-village", "applications": 1, "registered": 0, "name": "周示例"},
    ],
)
def test_a_bad_row_is_reported_by_the_schema(tmp_path, row):
    [(field, _)] = _problems(_write(tmp_path / "s.json", stations=[row]))
    assert field.startswith("stations[0]")


def test_an_impossible_day_is_a_problem(tmp_path):
    row = {"campaign": "county-2026", "unit": "kaifaqu", "day": "2026-02-30"}
    path = _write(tmp_path / "s.json", applications=[{**row, "applications": 1, "registered": 0}])
    assert [field for field, _ in _problems(path)] == ["applications[0].day"]
