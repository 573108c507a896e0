"""records.yaml: roles, service types, awards, star thresholds, training and minimums."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..problems import Problems
from ..volunteer_rules import RecordRules, record_rules
from .common import report_duplicates

if TYPE_CHECKING:
    from ..deployment import Deployment


def check_records(
    deployment: Deployment, file: str, doc: Any, problems: Problems
) -> RecordRules | None:
    """Report what the schema cannot say; the rules when there was nothing to report."""
    before = len(problems)
    roles = report_duplicates(doc["roles"], file, doc, "roles", "角色", problems)
    defaults = [i for i, role in enumerate(doc["roles"]) if role.get("default")]
    if len(defaults) != 1:
        message = (
            "须有一个角色标为 default: true（新登记的志愿者取这个角色）"
            if not defaults
            else "只能有一个角色标为 default: true"
        )
        problems.at(file, doc, ["roles"], message)
    report_duplicates(doc["service_types"], file, doc, "service_types", "服务类型", problems)
    awards = doc["points"].get("awards", [])
    if awards:
        report_duplicates(awards, file, doc["points"], "awards", "奖励", problems)
    _check_stars(file, doc, problems)
    if "training" in doc:
        _check_training(file, doc, roles, problems)
    levels = {level["id"] for level in deployment.settings["levels"]}
    for index, minimum in enumerate(doc.get("minimums", [])):
        path: list[str | int] = ["minimums", index]
        if minimum["level"] not in levels:
            problems.at(
                file,
                doc,
                [*path, "level"],
                f"层级“{minimum['level']}”不存在（见 deployment.yaml 的 levels）",
            )
        if "from" in minimum and "until" in minimum and minimum["from"] > minimum["until"]:
            problems.at(file, doc, [*path, "until"], "结束日期早于开始日期")
    if "example_activity" in doc:
        _check_example_activity(deployment, file, doc, problems)
    if len(problems) != before:
        return None
    return record_rules(doc)


def _check_example_activity(
    deployment: Deployment, file: str, doc: Any, problems: Problems
) -> None:
    example = doc["example_activity"]
    path: list[str | int] = ["example_activity"]
    if example["unit"] not in deployment.tree:
        problems.at(file, doc, [*path, "unit"], f"单位“{example['unit']}”不存在（见 units.yaml）")
    if example["service_type"] not in {item["id"] for item in doc["service_types"]}:
        problems.at(
            file,
            doc,
            [*path, "service_type"],
            f"服务类型“{example['service_type']}”不存在（见本文件的 service_types）",
        )
    if example["end"] <= example["start"]:
        problems.at(file, doc, [*path, "end"], "结束时间须晚于开始时间")


def _check_stars(file: str, doc: Any, problems: Problems) -> None:
    stars = doc["stars"]
    if stars["by"] == "hours":
        if "max" in stars:
            problems.at(
                file,
                doc,
                ["stars", "max"],
                "按服务时长评定时，星级数由 thresholds 的项数决定，不能写 max",
            )
        thresholds = stars.get("thresholds", [])
        for index in range(1, len(thresholds)):
            if thresholds[index] <= thresholds[index - 1]:
                problems.at(
                    file,
                    doc,
                    ["stars", "thresholds", index],
                    f"{index + 1} 星的时长须多于 {index} 星的 {thresholds[index - 1]} 小时",
                )
    elif "thresholds" in stars:
        problems.at(
            file, doc, ["stars", "thresholds"], "由单位评定星级（by: awarded）时不能写 thresholds"
        )


def _check_training(file: str, doc: Any, roles: set[str], problems: Problems) -> None:
    seen: set[str] = set()
    for index, offer in enumerate(doc["training"]["offered"]):
        path: list[str | int] = ["training", "offered", index]
        if offer["role"] not in roles:
            problems.at(file, doc, [*path, "role"], f"角色“{offer['role']}”不在 roles 中")
        elif offer["role"] in seen:
            problems.at(file, doc, [*path, "role"], f"角色“{offer['role']}”重复")
        seen.add(offer["role"])
        if offer.get("at_most", offer["at_least"]) < offer["at_least"]:
            problems.at(file, doc, [*path, "at_most"], "at_most 不能小于 at_least")
