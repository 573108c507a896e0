"""Quota arithmetic: exact decimal rates, the rounding rules, and totals from rounded rows."""

from __future__ import annotations

import pytest

from pingan.quotas import QuotaRow, QuotaTable, apply_rate, compute_quota
from pingan.units import Unit, UnitTree


@pytest.mark.parametrize(
    "rate, base, rounding, expected",
    [
        (0.04, 158253, "nearest", 6330),  # 6330.12: Wujin's 湖塘
        (0.04, 158253, "up", 6331),
        (0.04, 158253, "down", 6330),
        (0.04, 26053, "nearest", 1042),  # 1042.12
        (0.04, 1000, "nearest", 40),  # exact: every rule agrees
        (0.04, 1000, "up", 40),
        (0.04, 1000, "down", 40),
        (0.01, 150, "nearest", 2),  # 1.5 rounds half up, not to even
        (0.01, 250, "nearest", 3),  # 2.5 → 3 (banker's rounding would give 2)
        (0.01, 249, "nearest", 2),
        (0.01, 101, "up", 2),
        (0.01, 199, "down", 1),
        (0.07, 100, "down", 7),  # 0.07 × 100 is 7.000000000000001 in floats
        (0.29, 100, "up", 29),  # and 0.29 × 100 is 28.999999999999996
        (0.04, 0, "nearest", 0),
    ],
)
def test_apply_rate(rate, base, rounding, expected):
    assert apply_rate(rate, base, rounding) == expected


@pytest.fixture
def tree() -> UnitTree:
    def u(uid, parent=None, level="town", population=None):
        return Unit(uid, uid, level, "territorial", parent, registered_population=population)

    return UnitTree(
        [
            u("qu", level="district"),
            u("dong", "qu", population=158253),  # 6330.12
            u("xi", "qu", population=37513),  # 1500.52
            u("nan", "qu", population=12513),  # 500.52
            u("dong-cun", "dong", level="village"),
        ]
    )


RULE = {
    "id": "q",
    "title": "名额",
    "rule": {
        "rate": 0.04,
        "base": "registered_population",
        "rounding": "nearest",
        "units": ["dong", "xi", "nan"],
    },
}


def test_rule_rows_are_rounded_per_unit(tree):
    table = compute_quota(RULE, tree)
    assert table.kind == "rule"
    assert [(r.unit, r.base, r.count) for r in table.rows] == [
        ("dong", 158253, 6330),
        ("xi", 37513, 1501),
        ("nan", 12513, 501),
    ]
    assert table.base_total == 208279


def test_parent_total_is_the_sum_of_rounded_children_not_the_rounded_sum(tree):
    """As Wujin's table: 4 % of the whole would round to one less than the rows' sum."""
    table = compute_quota(RULE, tree)
    assert table.total == 6330 + 1501 + 501 == 8332
    assert apply_rate(0.04, table.base_total, "nearest") == 8331  # 8331.16
    totals = table.totals_by_unit(tree)
    assert totals == {"qu": 8332, "dong": 6330, "xi": 1501, "nan": 501}
    assert totals["qu"] == sum(
        totals[child.id] for child in tree["qu"].children if child.id in totals
    )


def test_totals_by_level(tree):
    table = compute_quota(RULE, tree)
    assert table.totals_by_level(tree) == {"town": 8332}
    table.rows.append(QuotaRow("dong-cun", 12))
    assert table.totals_by_level(tree) == {"town": 8332, "village": 12}
    assert table.totals_by_unit(tree)["dong"] == 6342
    assert table.totals_by_unit(tree)["qu"] == 8344


def test_allocations_are_taken_as_stated(tree):
    table = compute_quota(
        {
            "id": "a",
            "title": "分配",
            "allocations": [
                {"unit": "dong", "count": 3000},
                {"unit": "xi", "count": 700, "minimum": True},
            ],
            "stated_total": 3700,
        },
        tree,
    )
    assert table.kind == "allocations"
    assert [(r.unit, r.count, r.minimum) for r in table.rows] == [
        ("dong", 3000, False),
        ("xi", 700, True),
    ]
    assert (table.total, table.stated_total, table.base_total) == (3700, 3700, None)


def test_categories_total_and_sub_counts(tree):
    table = compute_quota(
        {
            "id": "c",
            "title": "类别",
            "categories": [
                {
                    "id": "patrol",
                    "number": 1,
                    "name": "巡防",
                    "count": 30,
                    "recruitment": "directed",
                    "parts": [{"name": "甲", "count": 10}, {"name": "乙", "count": 20}],
                },
                {"id": "public", "number": 9, "name": "社会", "count": 1000, "recruitment": "open"},
            ],
        },
        tree,
    )
    assert table.kind == "categories"
    assert table.total == 1030
    assert [c.parts_total for c in table.categories] == [30, 0]
    assert table.rows == [] and table.totals_by_unit(tree) == {}


def test_rows_of_units_outside_the_tree_are_left_out_of_totals(tree):
    table = QuotaTable(id="x", title="x", kind="allocations", rows=[QuotaRow("gone", 5)])
    assert table.totals_by_unit(tree) == {} and table.totals_by_level(tree) == {}
    assert table.total == 5
