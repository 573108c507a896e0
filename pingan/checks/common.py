"""Checks shared by every kind of document: repeated ids and references to units."""

from __future__ import annotations

from typing import Any

from ..problems import Problems
from ..units import UnitTree


def report_duplicates(
    items: list[dict[str, Any]], file: str, doc: Any, key: str, what: str, problems: Problems
) -> set[str]:
    """Report repeated ids in a list; return the ids seen."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item["id"] in seen:
            problems.at(file, doc, [key, index, "id"], f"{what}编号“{item['id']}”重复")
        seen.add(item["id"])
    return seen


def check_unit_ref(
    tree: UnitTree, unit_id: str, file: str, doc: Any, path: list, problems: Problems
) -> bool:
    """Whether *unit_id* exists; reports it at *path* when it does not."""
    if unit_id in tree:
        return True
    problems.at(file, doc, path, f"单位“{unit_id}”不存在（见 units.yaml）")
    return False
