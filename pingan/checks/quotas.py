"""Quota tables: the units they name, population bases, sub-counts and stated totals."""

from __future__ import annotations

from typing import Any

from ..problems import Problems
from ..quotas import QuotaTable, compute_quota
from ..units import UnitTree
from .common import check_unit_ref, report_duplicates


def check_quotas(tree: UnitTree, file: str, doc: Any, problems: Problems) -> dict[str, QuotaTable]:
    """Check every table; return the sound ones computed (a broken one is left out)."""
    items = doc["quotas"]
    report_duplicates(items, file, doc, "quotas", "名额表", problems)
    tables = {}
    for index, item in enumerate(items):
        where = ["quotas", index]
        before = len(problems)
        listed = item["rule"]["units"] if "rule" in item else []
        listed_path = ["rule", "units"]
        if "allocations" in item:
            listed = [allocation["unit"] for allocation in item["allocations"]]
            listed_path = ["allocations"]
        seen: set[str] = set()
        for i, unit_id in enumerate(listed):
            if unit_id in seen:
                path = where + listed_path + [i]
                problems.at(file, doc, path, f"单位“{unit_id}”在这张名额表中出现了两次")
            seen.add(unit_id)
        if "rule" in item:
            rule = item["rule"]
            for i, unit_id in enumerate(rule["units"]):
                path = where + ["rule", "units", i]
                if (
                    check_unit_ref(tree, unit_id, file, doc, path, problems)
                    and getattr(tree[unit_id], rule["base"]) is None
                ):
                    base_name = (
                        "户籍人口" if rule["base"] == "registered_population" else "常住人口"
                    )
                    problems.at(
                        file,
                        doc,
                        path,
                        f"单位“{unit_id}”没有{base_name}（{rule['base']}），无法按比例计算名额",
                    )
        for i, allocation in enumerate(item.get("allocations", [])):
            check_unit_ref(
                tree, allocation["unit"], file, doc, where + ["allocations", i, "unit"], problems
            )
        for i, category in enumerate(item.get("categories", [])):
            parts = category.get("parts", [])
            total = sum(part["count"] for part in parts)
            if parts and total != category["count"] and not category.get("approximate"):
                path = where + ["categories", i, "count"]
                problems.at(
                    file, doc, path, f"分项之和 {total} 与类别人数 {category['count']} 不符"
                )
        if len(problems) > before:
            continue
        table = compute_quota(item, tree)
        if (
            table.stated_total is not None
            and table.total != table.stated_total
            and not table.stated_total_approximate
        ):
            path = where + ["stated_total"]
            problems.at(
                file, doc, path, f"文件所列合计 {table.stated_total} 与各项之和 {table.total} 不符"
            )
        tables[table.id] = table
    return tables
