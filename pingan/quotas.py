"""Quota arithmetic: explicit figures, rate × population rules, and recruitment categories.

A parent's total is always the sum of its children's *rounded* quotas, as the documents'
tables do (4 % of Wujin's 939,870 would be 37,595; the table's total is 37,596).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from .units import UnitTree

_ROUNDING = {"nearest": ROUND_HALF_UP, "up": ROUND_CEILING, "down": ROUND_FLOOR}


def apply_rate(rate: float, base: int, rounding: str) -> int:
    """rate × base rounded per the rule, in exact decimal arithmetic (no float drift)."""
    exact = Decimal(str(rate)) * base
    return int(exact.quantize(Decimal(1), rounding=_ROUNDING[rounding]))


@dataclass
class QuotaRow:
    """One unit's quota in a table."""

    unit: str
    count: int
    base: int | None = None
    minimum: bool = False


@dataclass
class Category:
    """A recruitment category with its head count and optional sub-counts."""

    id: str
    number: int
    name: str
    count: int
    recruitment: str
    approximate: bool = False
    basis: str | None = None
    filed_by: str | None = None
    parts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def parts_total(self) -> int:
        return sum(part["count"] for part in self.parts)


@dataclass
class QuotaTable:
    """A quota table as a document states it, computed."""

    id: str
    title: str
    kind: str  # rule | allocations | categories
    rows: list[QuotaRow] = field(default_factory=list)
    categories: list[Category] = field(default_factory=list)
    rule: dict[str, Any] | None = None
    stated_total: int | None = None
    stated_total_approximate: bool = False
    source: str | None = None
    note: str | None = None

    @property
    def total(self) -> int:
        if self.kind == "categories":
            return sum(category.count for category in self.categories)
        return sum(row.count for row in self.rows)

    @property
    def base_total(self) -> int | None:
        bases = [row.base for row in self.rows]
        return sum(bases) if bases and None not in bases else None

    def totals_by_unit(self, tree: UnitTree) -> dict[str, int]:
        """Each unit's quota plus everything below it, from the rounded rows (one pass)."""
        totals: dict[str, int] = {}
        for row in self.rows:
            if row.unit not in tree:
                continue
            for unit in tree.path(row.unit):
                totals[unit.id] = totals.get(unit.id, 0) + row.count
        return totals

    def totals_by_level(self, tree: UnitTree) -> dict[str, int]:
        """Sum of the rows' quotas per level of the units that carry them."""
        totals: dict[str, int] = {}
        for row in self.rows:
            if row.unit in tree:
                level = tree[row.unit].level
                totals[level] = totals.get(level, 0) + row.count
        return totals


def compute_quota(data: dict[str, Any], tree: UnitTree) -> QuotaTable:
    """Turn one quotas.yaml entry into a table; assumes references were checked."""
    table = QuotaTable(
        id=data["id"],
        title=data["title"],
        kind="rule" if "rule" in data else "allocations" if "allocations" in data else "categories",
        stated_total=data.get("stated_total"),
        stated_total_approximate=data.get("stated_total_approximate", False),
        source=data.get("source"),
        note=data.get("note"),
    )
    if table.kind == "rule":
        rule = table.rule = data["rule"]
        for unit_id in rule["units"]:
            base = getattr(tree[unit_id], rule["base"]) if unit_id in tree else None
            count = apply_rate(rule["rate"], base, rule["rounding"]) if base is not None else 0
            table.rows.append(QuotaRow(unit_id, count, base))
    elif table.kind == "allocations":
        table.rows = [
            QuotaRow(item["unit"], item["count"], minimum=item.get("minimum", False))
            for item in data["allocations"]
        ]
    else:
        table.categories = [
            Category(**{key: value for key, value in item.items()}) for item in data["categories"]
        ]
    return table
