"""Quota tables laid out for display: rows in tree order with subtotals per parent.

The arithmetic is :mod:`pingan.quotas`'; this module only decides the order of rows and
which units a progress cell adds up, in one walk over the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pingan.quotas import QuotaTable
from pingan.units import Unit, UnitTree


@dataclass
class DisplayRow:
    """A table row: one unit's own quota (``kind='unit'``) or a parent's total (``'total'``)."""

    kind: str
    unit: Unit
    depth: int
    count: int
    base: int | None = None
    minimum: bool = False
    #: Row units whose live progress this row's progress cell adds up.
    progress_units: list[str] = field(default_factory=list)


def display_rows(table: QuotaTable, tree: UnitTree) -> list[DisplayRow]:
    """Rows in tree order; each parent above quota-carrying units gets a total row after them.

    Units above *every* row (the district above its towns) get none: the table's footer
    carries the grand total.
    """
    own = {row.unit: row for row in table.rows if row.unit in tree}
    totals = table.totals_by_unit(tree)
    rows_below: dict[str, list[str]] = {}
    for unit_id in own:
        for unit in tree.path(unit_id):
            rows_below.setdefault(unit.id, []).append(unit_id)
    result: list[DisplayRow] = []
    pending: list[tuple[Unit, int]] = []  # parents whose total row follows their subtree
    for unit, depth in tree.walk():
        if unit.id not in totals:
            continue
        while pending and pending[-1][1] >= depth:
            result.append(_total_row(*pending.pop(), totals, rows_below))
        row = own.get(unit.id)
        if row is not None:
            result.append(
                DisplayRow("unit", unit, depth, row.count, row.base, row.minimum, [unit.id])
            )
        below = len(rows_below[unit.id])
        if below > (1 if row else 0) and below < len(own):
            pending.append((unit, depth))
    while pending:
        result.append(_total_row(*pending.pop(), totals, rows_below))
    return result


def _total_row(
    unit: Unit, depth: int, totals: dict[str, int], rows_below: dict[str, list[str]]
) -> DisplayRow:
    return DisplayRow("total", unit, depth, totals[unit.id], progress_units=rows_below[unit.id])


def progress_rollup(table: QuotaTable, tree: UnitTree) -> dict[str, str]:
    """Each unit at or below a row unit → the nearest such row, so applications to a
    village count towards its town's row."""
    rows = {row.unit for row in table.rows}
    rollup: dict[str, str] = {}
    nearest: list[str | None] = []
    for unit, depth in tree.walk():
        del nearest[depth:]
        mine = unit.id if unit.id in rows else (nearest[-1] if nearest else None)
        nearest.append(mine)
        if mine is not None:
            rollup[unit.id] = mine
    return dict(sorted(rollup.items()))
