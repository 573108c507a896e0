"""Load a deployment's data folder, check all of it, and hand out a ready model.

Two phases, as Pelican does: everything is read and checked before anyone renders or
stores, so a bad file stops a build before half a site exists.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .campaigns import Campaign
from .checks.campaigns import check_campaign
from .checks.common import report_duplicates
from .checks.grid_workers import check_grid_workers
from .checks.honours import check_hand_typed_figures, check_honours
from .checks.quotas import check_quotas
from .checks.records import check_records
from .checks.units import check_units
from .problems import Problems
from .quotas import QuotaTable
from .units import UnitTree
from .validation import validate_document
from .volunteer_rules import RecordRules
from .yamlfile import LineDict, YamlError, load_yaml


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
    #: The rules of volunteers' records (records.yaml); None where a deployment keeps none.
    records: RecordRules | None = None
    #: Grid workers who recruit with a QR code of their own (grid_workers.yaml).
    grid_workers: list[dict[str, Any]] = field(default_factory=list)

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
        (root / "records.yaml", "records", False),
        (root / "grid_workers.yaml", "grid_workers", False),
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
    report_duplicates(settings["levels"], settings_file, settings, "levels", "层级", problems)
    before = len(problems)
    tree = check_units(settings, units_file, units_doc, problems)
    tree_sound = len(problems) == before
    quotas: dict[str, QuotaTable] = {}
    # Tables that exist even if broken, so campaigns naming them are not blamed too;
    # None when quotas.yaml itself is unreadable and nothing can be said.
    quota_ids: set[str] | None = None if "quotas" in broken else set()
    for quotas_file, quotas_doc in by_kind.get("quotas", []):
        quotas = check_quotas(tree, quotas_file, quotas_doc, problems)
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
        check_campaign(deployment, campaign, quota_ids, tree_sound, problems)
    for honours_file, honours_doc in by_kind.get("honours", []):
        check_honours(deployment, honours_file, honours_doc, problems)
        deployment.volunteers = list(honours_doc.get("volunteers", []))
        deployment.projects = list(honours_doc.get("projects", []))
        deployment.stories = list(honours_doc.get("stories", []))
    for records_file, records_doc in by_kind.get("records", []):
        deployment.records = check_records(deployment, records_file, records_doc, problems)
    for honours_file, honours_doc in by_kind.get("honours", []):
        check_hand_typed_figures(deployment, honours_file, honours_doc, problems)
    for workers_file, workers in by_kind.get("grid_workers", []):
        deployment.grid_workers = check_grid_workers(deployment, workers_file, workers, problems)
    content = deployment.content_dir
    if "content_dir" in settings and not content.is_dir():
        problems.at(settings_file, settings, ["content_dir"], f"目录“{content}”不存在")
    return deployment
