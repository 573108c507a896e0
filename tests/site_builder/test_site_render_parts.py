"""The small parts of rendering: Markdown in templates, Chinese wording, quota row layout."""

from __future__ import annotations

import datetime

import pytest

from pingan.quotas import QuotaRow, QuotaTable
from pingan.schemas import read_schema
from pingan.units import Unit, UnitTree
from site_builder import formatting
from site_builder.formatting import build_day, minimum_text, zh_date, zh_period
from site_builder.markup import escape_markdown, render_inline
from site_builder.quota_view import display_rows, progress_rollup


def test_inline_markdown_loses_its_paragraph_but_stays_sanitised():
    assert str(render_inline("**加粗**<script>x</script>")) == "<strong>加粗</strong>"


def test_escape_markdown_prints_titles_literally():
    assert escape_markdown("a*b_c <x>") == "a\\*b\\_c &lt;x&gt;"


def test_chinese_dates_and_periods():
    assert zh_date("2026-09-01") == "2026 年 9 月 1 日"
    assert zh_date("2014-05") == "2014 年 5 月"
    assert zh_period("2026-09-01", "2027-06-30") == "2026 年 9 月 1 日至 2027 年 6 月 30 日"
    assert zh_period("2026-10-01", None) == "2026 年 10 月 1 日起"
    assert minimum_text({"per": "quarter", "count": 1}) == "每季度不少于 1 次"


def test_build_day_prefers_option_then_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795392000")

    assert build_day("2027-01-02") == datetime.date(2027, 1, 2)
    assert build_day(None) == datetime.date(2026, 11, 23)


def tree() -> UnitTree:
    """city → two districts; the first district has two towns (a village below one)."""
    units = [
        Unit("city", "市", "city", "territorial"),
        Unit("d1", "一区", "district", "territorial", parent="city"),
        Unit("t1", "甲镇", "town", "territorial", parent="d1"),
        Unit("v1", "甲村", "village", "territorial", parent="t1"),
        Unit("t2", "乙镇", "town", "territorial", parent="d1"),
        Unit("d2", "二区", "district", "territorial", parent="city"),
    ]
    return UnitTree(units)


def test_rows_follow_the_tree_with_a_total_after_each_parent():
    table = QuotaTable("q", "名额", "allocations")
    table.rows = [QuotaRow("t1", 10), QuotaRow("t2", 5), QuotaRow("d2", 7)]

    rows = display_rows(table, tree())

    assert [(r.kind, r.unit.id, r.count) for r in rows] == [
        ("unit", "t1", 10),
        ("unit", "t2", 5),
        ("total", "d1", 15),
        ("unit", "d2", 7),
    ]
    assert rows[2].progress_units == ["t1", "t2"]


def test_progress_of_units_below_a_row_counts_towards_that_row():
    table = QuotaTable("q", "名额", "allocations")
    table.rows = [QuotaRow("t1", 10), QuotaRow("t2", 5)]

    assert progress_rollup(table, tree()) == {"t1": "t1", "t2": "t2", "v1": "t1"}


def _enum(schema: str, *path: str) -> list[str]:
    node = read_schema(schema)
    for key in path:
        node = node[key]
    return node["enum"]


@pytest.mark.parametrize(
    ("wording", "values"),
    [
        (
            formatting.UNIT_KINDS,
            _enum("units.schema.yaml", "properties", "units", "items", "properties", "kind"),
        ),
        (formatting.RECRUITMENT_MODES, _enum("campaign.schema.yaml", "properties", "recruitment")),
        (formatting.RECRUITMENT_SHORT, _enum("campaign.schema.yaml", "properties", "recruitment")),
        (formatting.WINDOWS, _enum("campaign.schema.yaml", "properties", "window")),
        (formatting.WINDOW_TEXTS, _enum("campaign.schema.yaml", "properties", "window")),
        (
            formatting.ROUNDING,
            _enum(
                "quotas.schema.yaml",
                "properties",
                "quotas",
                "items",
                "properties",
                "rule",
                "properties",
                "rounding",
            ),
        ),
        (
            formatting.POPULATION_BASES,
            _enum(
                "quotas.schema.yaml",
                "properties",
                "quotas",
                "items",
                "properties",
                "rule",
                "properties",
                "base",
            ),
        ),
    ],
)
def test_every_code_the_schemas_allow_has_its_chinese_wording(wording, values):
    assert set(values) <= set(wording)


def test_every_document_type_a_campaign_may_admit_has_a_name():
    eligibility = read_schema("campaign.schema.yaml")["properties"]["eligibility"]["properties"]
    admitted = eligibility["document_types"]["items"]["enum"]
    assert set(admitted) <= set(formatting.DOCUMENT_TYPES)
    double = eligibility["double_registration"]["enum"]
    assert set(double) <= set(formatting.DOUBLE_REGISTRATION)
