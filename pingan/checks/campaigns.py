"""A campaign: dates, ages, and every name it uses (quota, levels, units, fields, columns)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..campaigns import (
    DATED_WINDOWS,
    DERIVED_FIELDS,
    OPEN_ENDED_WINDOW,
    WINDOWS,
    Campaign,
    application_units,
)
from ..problems import Problems
from ..schemas import application_fields
from .common import check_unit_ref

if TYPE_CHECKING:
    from ..deployment import Deployment


def check_campaign(
    deployment: Deployment,
    campaign: Campaign,
    quota_ids: set[str] | None,
    tree_sound: bool,
    problems: Problems,
) -> None:
    """Dates, ages and every name the campaign uses: quota, levels, units, fields, columns."""
    data, file = campaign.data, campaign.file
    before = len(problems)
    level_ids = [level["id"] for level in deployment.settings["levels"]]
    _check_window(campaign, problems)
    age = data["eligibility"]["age"]
    if age.get("max") is not None and age["max"] < age["min"]:
        problems.at(
            file,
            data,
            ["eligibility", "age", "max"],
            f"年龄上限 {age['max']} 小于下限 {age['min']}",
        )
    quota_id = data.get("quota")
    if quota_id is not None and quota_ids is not None and quota_id not in quota_ids:
        problems.at(file, data, ["quota"], f"名额表“{quota_id}”不存在（见 quotas.yaml）")
    spec = data.get("application_units") or {}
    for i, level in enumerate(spec.get("levels", [])):
        if level not in level_ids:
            path = ["application_units", "levels", i]
            problems.at(file, data, path, f"层级“{level}”未定义")
    for i, unit_id in enumerate(spec.get("units", [])):
        check_unit_ref(
            deployment.tree, unit_id, file, data, ["application_units", "units", i], problems
        )
    catalogue = application_fields()
    names = campaign.field_names
    for i, name in enumerate(names):
        path = ["form", "fields", i]
        if name not in catalogue:
            problems.at(file, data, path, f"表单字段“{name}”不在 application.schema.yaml 中")
        elif names.index(name) != i:
            problems.at(file, data, path, f"表单字段“{name}”重复")
    table = deployment.quotas.get(quota_id) if quota_id is not None else None
    needs = {
        "service_type": (
            "service_types" in data,
            "使用了 service_type 字段，但没有列出 service_types",
        ),
        "residence": (
            "residence" in data["eligibility"],
            "使用了 residence 字段，但 eligibility 中没有 residence 规则",
        ),
        "category": (
            # A named table that is missing or broken is reported on its own.
            bool(table.categories) if table else quota_id is not None,
            "使用了 category 字段，但名额表没有招募类别",
        ),
    }
    for name, (present, message) in needs.items():
        if name in names and not present:
            path = ["form", "fields", names.index(name)]
            problems.at(file, data, path, message)
    document_types = data["eligibility"].get("document_types") or ["resident_id"]
    if document_types != ["resident_id"]:
        # Only the resident ID number tells birth date and sex; other documents need them
        # entered, or the age rule and the roster's 性别/年龄 columns have nothing to go on.
        missing = [name for name in ("id_type", "sex", "birth_date") if name not in names]
        if missing:
            problems.at(
                file,
                data,
                ["eligibility", "document_types"],
                f"接受居民身份证以外的证件时，表单须包含 {'、'.join(missing)} 字段",
            )
    if (
        "unit" in names
        and tree_sound
        and (quota_id is None or quota_id in deployment.quotas)
        and len(problems) == before
        and not application_units(campaign, deployment)
    ):
        path = ["form", "fields", names.index("unit")]
        problems.at(file, data, path, "没有可以报名的单位：请设置 application_units 或 quota")
    roster = data.get("roster", {}).get("columns", [])
    for i, column in enumerate(roster):
        if column["field"] not in catalogue and column["field"] not in DERIVED_FIELDS:
            path = ["roster", "columns", i, "field"]
            problems.at(
                file,
                data,
                path,
                f"名单列“{column['field']}”既不是表单字段也不是可计算的列（{'、'.join(DERIVED_FIELDS)}）",
            )
    for i, stage in enumerate(data.get("review", {}).get("stages", [])):
        if "level" in stage and stage["level"] not in level_ids:
            path = ["review", "stages", i, "level"]
            problems.at(file, data, path, f"层级“{stage['level']}”未定义")
    for i, phase in enumerate(data.get("phases", [])):
        # Compare at the coarser precision: a phase from 2017-05-10 may end "2017-05".
        start, end = phase["start"], phase.get("end", "")
        precision = min(len(start), len(end))
        if end and end[:precision] < start[:precision]:
            path = ["phases", i, "end"]
            problems.at(file, data, path, f"结束时间 {phase['end']} 早于开始时间 {phase['start']}")


def _check_window(campaign: Campaign, problems: Problems) -> None:
    """A dated or emergency round closes on a day; a long-term one never closes."""
    data, file, window = campaign.data, campaign.file, campaign.window
    closes = campaign.closes
    if closes is None and window in DATED_WINDOWS:
        problems.at(
            file,
            data,
            ["closes"],
            f"{WINDOWS[window]}须写明截止日期；常年招募的请写 window: {OPEN_ENDED_WINDOW}",
        )
    elif closes is not None and window == OPEN_ENDED_WINDOW:
        problems.at(
            file,
            data,
            ["closes"],
            f"{WINDOWS[window]}（常年招募）没有截止日期：请删除 closes，或改为 window: dated",
        )
    elif closes is not None and closes < campaign.opens:
        problems.at(
            file, data, ["closes"], f"截止日期 {data['closes']} 早于开始日期 {data['opens']}"
        )
