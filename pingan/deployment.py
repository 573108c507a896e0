"""Load a deployment's data folder, check all of it, and hand out a ready model.

Two phases, as Pelican does: everything is read and checked before anyone renders or
stores, so a bad file stops a build before half a site exists.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .campaigns import DERIVED_FIELDS, Campaign, application_units
from .problems import Problems
from .quotas import QuotaTable, compute_quota
from .schemas import application_fields
from .units import Unit, UnitTree, find_cycles
from .validation import validate_document
from .yamlfile import LineDict, YamlError, load_yaml

REQUIRED_FILES = ("deployment.yaml", "units.yaml")


class DataError(Exception):
    """The data folder has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: Problems):
        super().__init__(problems.report())
        self.problems = problems


@dataclass
class Deployment:
    """One scheme's checked data: settings, unit tree, quota tables, campaigns, honours."""

    root: Path
    settings: dict[str, Any]
    tree: UnitTree
    quotas: dict[str, QuotaTable]
    campaigns: dict[str, Campaign]
    volunteers: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)
    stories: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.settings["id"]

    @property
    def name(self) -> str:
        return self.settings["name"]

    @property
    def content_dir(self) -> Path:
        return (self.root / self.settings.get("content_dir", "content")).resolve()

    @property
    def photos_dir(self) -> Path:
        return self.root / "photos"

    def level_name(self, level_id: str) -> str:
        return next(
            (lv["name"] for lv in self.settings["levels"] if lv["id"] == level_id), level_id
        )

    def open_campaigns(self, day: datetime.date) -> list[Campaign]:
        return [c for c in self.campaigns.values() if c.status(day) == "open"]


def load_deployment(root: Path | str) -> Deployment:
    """Read and check every file of *root*; raise DataError listing all problems.

    Each file goes as far as it can: a syntax error in one campaign does not hide a bad
    parent in units.yaml. Cross-references are checked over the files that passed their
    schema, provided deployment.yaml and units.yaml did (everything hangs on them).
    """
    root = Path(root)
    problems = Problems()
    valid: dict[Path, tuple[str, Any]] = {}
    broken: set[str] = set()
    for file, (kind, document) in _read_documents(root, problems, broken).items():
        found = validate_document(kind, document, _display(root, file))
        problems.extend(found)
        if found:
            broken.add(kind)
        else:
            valid[file] = (kind, document)
    if {"deployment", "units"} & broken:
        raise DataError(problems)
    deployment = _build(root, valid, broken, problems)
    if problems:
        raise DataError(problems)
    return deployment


def check_deployment(root: Path | str) -> Problems:
    """Every problem of the data folder (empty when it is fine)."""
    try:
        load_deployment(root)
    except DataError as error:
        return error.problems
    return Problems()


def _display(root: Path, file: Path) -> str:
    """File names as the user typed the folder: ``data/units.yaml``."""
    return str(root / file.relative_to(root))


def _read_documents(
    root: Path, problems: Problems, broken: set[str]
) -> dict[Path, tuple[str, Any]]:
    """Parse each file of the folder; note the kinds of the files that could not be read."""
    if not root.is_dir():
        problems.add(root, 0, "(目录)", "数据目录不存在")
        broken.update(("deployment", "units"))
        return {}
    wanted: list[tuple[Path, str, bool]] = [
        (root / "deployment.yaml", "deployment", True),
        (root / "units.yaml", "units", True),
        (root / "quotas.yaml", "quotas", False),
        (root / "honours.yaml", "honours", False),
    ]
    wanted += [(path, "campaign", True) for path in sorted((root / "campaigns").glob("*.yaml"))]
    for path in sorted((root / "campaigns").glob("*.yml")):
        problems.add(path, 0, "(文件)", "活动文件的扩展名须为 .yaml，这个文件没有被读取")
    documents = {}
    for path, kind, required in wanted:
        if not path.exists():
            if required:
                problems.add(path, 0, "(文件)", "缺少这个文件")
                broken.add(kind)
            continue
        try:
            document = load_yaml(path)
        except YamlError as error:
            problems.add(error.path, error.line, "(文件)", error.message)
            broken.add(kind)
            continue
        if document is None:
            document = LineDict()
            document.line, document.key_lines = 1, {}
        documents[path] = (kind, document)
    return documents


def _build(
    root: Path, documents: dict[Path, tuple[str, Any]], broken: set[str], problems: Problems
) -> Deployment:
    """Cross-check the schema-valid documents and assemble the model."""
    by_kind: dict[str, list[tuple[str, Any]]] = {}
    for path, (kind, document) in documents.items():
        by_kind.setdefault(kind, []).append((_display(root, path), document))
    settings_file, settings = by_kind["deployment"][0]
    units_file, units_doc = by_kind["units"][0]
    _duplicates(settings["levels"], settings_file, settings, "levels", "层级", problems)
    before = len(problems)
    tree = _check_units(settings, units_file, units_doc, problems)
    tree_sound = len(problems) == before
    quotas: dict[str, QuotaTable] = {}
    # Tables that exist even if broken, so campaigns naming them are not blamed too;
    # None when quotas.yaml itself is unreadable and nothing can be said.
    quota_ids: set[str] | None = None if "quotas" in broken else set()
    for quotas_file, quotas_doc in by_kind.get("quotas", []):
        quotas = _check_quotas(tree, quotas_file, quotas_doc, problems)
        quota_ids = {item["id"] for item in quotas_doc["quotas"]}
    deployment = Deployment(root=root, settings=settings, tree=tree, quotas=quotas, campaigns={})
    for campaign_file, campaign_doc in by_kind.get("campaign", []):
        campaign = Campaign(campaign_doc, campaign_file)
        if campaign.id in deployment.campaigns:
            problems.at(
                campaign_file,
                campaign_doc,
                ["id"],
                f"活动编号“{campaign.id}”与 {deployment.campaigns[campaign.id].file} 重复",
            )
            continue
        deployment.campaigns[campaign.id] = campaign
        _check_campaign(deployment, campaign, quota_ids, tree_sound, problems)
    for honours_file, honours_doc in by_kind.get("honours", []):
        _check_honours(deployment, honours_file, honours_doc, problems)
        deployment.volunteers = list(honours_doc.get("volunteers", []))
        deployment.projects = list(honours_doc.get("projects", []))
        deployment.stories = list(honours_doc.get("stories", []))
    content = deployment.content_dir
    if "content_dir" in settings and not content.is_dir():
        problems.at(settings_file, settings, ["content_dir"], f"目录“{content}”不存在")
    return deployment


def _duplicates(
    items: list[dict[str, Any]], file: str, doc: Any, key: str, what: str, problems: Problems
) -> set[str]:
    """Report repeated ids in a list; return the ids seen."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item["id"] in seen:
            problems.at(file, doc, [key, index, "id"], f"{what}编号“{item['id']}”重复")
        seen.add(item["id"])
    return seen


def _check_units(settings: dict[str, Any], file: str, doc: Any, problems: Problems) -> UnitTree:
    """Levels, parents, cycles and the single root; one pass over the units plus the cycles."""
    before = len(problems)
    items = doc["units"]
    levels = [level["id"] for level in settings["levels"]]
    ids = _duplicates(items, file, doc, "units", "单位", problems)
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


def _check_unit_ref(
    tree: UnitTree, unit_id: str, file: str, doc: Any, path: list, problems: Problems
) -> bool:
    if unit_id in tree:
        return True
    problems.at(file, doc, path, f"单位“{unit_id}”不存在（见 units.yaml）")
    return False


def _check_quotas(tree: UnitTree, file: str, doc: Any, problems: Problems) -> dict[str, QuotaTable]:
    items = doc["quotas"]
    _duplicates(items, file, doc, "quotas", "名额表", problems)
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
                    _check_unit_ref(tree, unit_id, file, doc, path, problems)
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
            _check_unit_ref(
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


def _check_campaign(
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
    if campaign.closes < campaign.opens:
        problems.at(
            file, data, ["closes"], f"截止日期 {data['closes']} 早于开始日期 {data['opens']}"
        )
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
        _check_unit_ref(
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


def _check_honours(deployment: Deployment, file: str, doc: Any, problems: Problems) -> None:
    tree = deployment.tree
    people = _duplicates(doc.get("volunteers", []), file, doc, "volunteers", "志愿者", problems)
    _duplicates(doc.get("projects", []), file, doc, "projects", "服务项目", problems)
    _duplicates(doc.get("stories", []), file, doc, "stories", "故事", problems)
    for index, person in enumerate(doc.get("volunteers", [])):
        _check_unit_ref(tree, person["unit"], file, doc, ["volunteers", index, "unit"], problems)
        photo = person.get("photo")
        path = ["volunteers", index, "photo"]
        if photo and (Path(photo).is_absolute() or ".." in Path(photo).parts):
            problems.at(file, doc, path, f"照片“{photo}”须是 photos/ 目录中的文件名")
        elif photo and not (deployment.photos_dir / photo).is_file():
            problems.at(file, doc, path, f"照片文件 photos/{photo} 不存在")
    for index, project in enumerate(doc.get("projects", [])):
        if "unit" in project:
            _check_unit_ref(tree, project["unit"], file, doc, ["projects", index, "unit"], problems)
    for index, story in enumerate(doc.get("stories", [])):
        for i, unit_id in enumerate(story.get("units", [])):
            _check_unit_ref(tree, unit_id, file, doc, ["stories", index, "units", i], problems)
        for i, person in enumerate(story.get("volunteers", [])):
            if person not in people:
                path = ["stories", index, "volunteers", i]
                problems.at(file, doc, path, f"志愿者“{person}”不在光荣榜中")
