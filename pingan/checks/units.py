"""The unit tree: levels, parents, cycles and the single root."""

from __future__ import annotations

from typing import Any

from ..problems import Problems
from ..units import Unit, UnitTree, find_cycles
from .common import report_duplicates


def check_units(settings: dict[str, Any], file: str, doc: Any, problems: Problems) -> UnitTree:
    """Levels, parents, cycles and the single root; one pass over the units plus the cycles."""
    before = len(problems)
    items = doc["units"]
    levels = [level["id"] for level in settings["levels"]]
    ids = report_duplicates(items, file, doc, "units", "单位", problems)
    parents: dict[str, str | None] = {}
    by_id = {item["id"]: item for item in items}
    for index, item in enumerate(items):
        where = ["units", index]
        if item["level"] not in levels:
            problems.at(
                file,
                doc,
                where + ["level"],
                f"层级“{item['level']}”未在 deployment.yaml 的 levels 中定义"
                f"（已定义：{'、'.join(levels)}）",
            )
        parent = item.get("parent")
        if parent == item["id"]:
            problems.at(file, doc, where + ["parent"], f"单位“{parent}”不能是自己的上级")
            parent = None
        elif parent is not None and parent not in ids:
            problems.at(file, doc, where + ["parent"], f"上级单位“{parent}”不存在")
            parent = None
        if parent is not None and item["level"] in levels and by_id[parent]["level"] in levels:
            if levels.index(item["level"]) <= levels.index(by_id[parent]["level"]):
                problems.at(
                    file,
                    doc,
                    where + ["level"],
                    f"层级“{item['level']}”不低于上级单位“{parent}”的层级“{by_id[parent]['level']}”",
                )
        parents[item["id"]] = parent
    index_of = {item["id"]: index for index, item in enumerate(items)}
    for cycle in find_cycles(parents):
        first = index_of[cycle[0]]
        problems.at(
            file,
            doc,
            ["units", first, "parent"],
            "上级关系构成循环：" + " → ".join(cycle + [cycle[0]]),
        )
    roots = [item["id"] for item in items if parents.get(item["id"]) is None]
    if len(problems) == before and len(roots) != 1:
        problems.at(
            file,
            doc,
            ["units"],
            f"应恰有一个最高层单位（没有 parent），现有 {len(roots)} 个：{'、'.join(roots)}",
        )
    if len(problems) > before:
        # Flat, one unit per id (the first): later checks then blame only their own data.
        first: dict[str, Any] = {}
        for item in items:
            first.setdefault(item["id"], item)
        return UnitTree([Unit.from_data({**item, "parent": None}) for item in first.values()])
    return UnitTree([Unit.from_data(item) for item in items])
