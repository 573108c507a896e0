"""Campaigns (recruitment notices): their state on a day and their application fields."""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .fields import KINDS
from .schemas import application_fields
from .zhtext import zh_date

if TYPE_CHECKING:
    from .deployment import Deployment

#: Roster columns that are computed, not typed in: name → Table Schema field.
DERIVED_FIELDS: dict[str, dict[str, Any]] = {
    "reference": {"name": "reference", "title": "申请编号", "type": "string"},
    "age": {"name": "age", "title": "年龄", "type": "integer"},
    "stage": {"name": "stage", "title": "审核阶段", "type": "string"},
    "volunteer_number": {"name": "volunteer_number", "title": "志愿者编号", "type": "string"},
    "submitted_at": {"name": "submitted_at", "title": "报名时间", "type": "datetime"},
}


#: How long a round takes applications (the campaign's ``window``), in the words of the county
#: alliance's report: 建立健全长期招募、短期应急招募、储备招募多种方式补充的招募工作机制.
WINDOWS = {
    "dated": "定期招募",
    "long_term": "长期招募",
    "emergency": "短期应急招募",
    "reserve": "储备招募",
}
#: Windows whose rounds must name a closing date, and the one whose rounds must not.
DATED_WINDOWS = ("dated", "emergency")
OPEN_ENDED_WINDOW = "long_term"
#: What a notice says instead of a closing date when a round has none.
NO_CLOSING_DATE = "常年招募，长期有效"


#: Keys of application.schema.yaml that Table Schema does not define (see that file).
CUSTOM_FIELD_KEYS = (
    "kind",
    "sensitive",
    "widget",
    "autocomplete",
    "choices_from",
    "derived_from",
    "choices",
)


def table_schema_field(field: dict[str, Any]) -> dict[str, Any]:
    """A catalogue or campaign field as a plain Frictionless Table Schema field."""
    spec = {key: value for key, value in field.items() if key not in CUSTOM_FIELD_KEYS}
    return KINDS[field["kind"]].table_schema(spec) if "kind" in field else spec


@dataclass
class Campaign:
    """One recruitment notice; ``data`` is the validated YAML document."""

    data: dict[str, Any]
    file: str

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def title(self) -> str:
        return self.data["title"]

    @property
    def opens(self) -> datetime.date:
        return datetime.date.fromisoformat(self.data["opens"])

    @property
    def closes(self) -> datetime.date | None:
        """The last day of applications; None for a round without one (long-term)."""
        closes = self.data.get("closes")
        return datetime.date.fromisoformat(closes) if closes else None

    @property
    def window(self) -> str:
        """``dated`` (the default), ``long_term``, ``emergency`` or ``reserve``."""
        return self.data.get("window", "dated")

    def status(self, day: datetime.date) -> str:
        """``upcoming``, ``open`` or ``closed`` on *day* (both ends inclusive).

        A round without a closing date stays open from its opening day on.
        """
        if day < self.opens:
            return "upcoming"
        closes = self.closes
        return "open" if closes is None or day <= closes else "closed"

    def deadline_text(self) -> str:
        """``报名截止：2027 年 6 月 30 日``, or ``常年招募，长期有效`` without a closing date."""
        closes = self.closes
        return f"报名截止：{zh_date(closes)}" if closes else NO_CLOSING_DATE

    def accepts_public(self) -> bool:
        """Whether individuals can apply online (not purely directed recruitment)."""
        return self.data["recruitment"] != "directed"

    @property
    def field_names(self) -> list[str]:
        return [
            spec if isinstance(spec, str) else spec["field"] for spec in self.data["form"]["fields"]
        ]


def application_units(campaign: Campaign, deployment: Deployment) -> list[str]:
    """Ids of the units an applicant may choose, in tree order."""
    spec = campaign.data.get("application_units") or {}
    levels = set(spec.get("levels", []))
    listed = set(spec.get("units", []))
    if not levels and not listed and campaign.data.get("quota") in deployment.quotas:
        listed = {row.unit for row in deployment.quotas[campaign.data["quota"]].rows}
    return [
        unit.id for unit, _ in deployment.tree.walk() if unit.level in levels or unit.id in listed
    ]


def _choices(spec: dict[str, Any], campaign: Campaign, deployment: Deployment):
    """(value, label) pairs for a field whose options come from the campaign or the data."""
    source = spec.get("choices_from")
    if source == "document_types":
        allowed = campaign.data["eligibility"].get("document_types") or ["resident_id"]
        return [(c["id"], c["name"]) for c in spec["choices"] if c["id"] in allowed]
    if "choices" in spec:
        return [(choice["id"], choice["name"]) for choice in spec["choices"]]
    if source == "campaign":
        return [(choice["id"], choice["name"]) for choice in campaign.data.get("service_types", [])]
    if source == "units":
        return [(uid, deployment.tree[uid].name) for uid in application_units(campaign, deployment)]
    if source == "categories":
        table = deployment.quotas.get(campaign.data.get("quota", ""))
        return [(c.id, f"（{c.number}）{c.name}") for c in table.categories] if table else []
    if source == "residence":
        residence = campaign.data["eligibility"].get("residence") or {"options": []}
        return [(option["id"], option["name"]) for option in residence["options"]]
    enum = spec.get("constraints", {}).get("enum")
    return [(value, value) for value in enum] if enum else None


def campaign_fields(campaign: Campaign, deployment: Deployment) -> list[dict[str, Any]]:
    """The campaign's form fields as Table Schema fields, overrides applied, choices filled.

    Each field gets ``choices`` ([(value, label)] or None); its ``constraints.enum`` lists
    the values (except for lists, which Table Schema cannot constrain so), so a datapackage
    written from ``table_schema_field(field)`` validates what the form accepts.
    """
    catalogue = application_fields()
    fields = []
    for spec in campaign.data["form"]["fields"]:
        override = {"field": spec} if isinstance(spec, str) else spec
        field = copy.deepcopy(catalogue[override["field"]])
        for key in ("title", "description"):
            if key in override:
                field[key] = override[key]
        constraints = field.setdefault("constraints", {})
        if "required" in override:
            constraints["required"] = override["required"]
        choices = _choices({**field, **override}, campaign, deployment)
        field["choices"] = choices
        if field["type"] == "list":
            # Table Schema has no enum for lists: ``choices`` alone says what items may be.
            constraints.pop("enum", None)
        elif choices is not None:
            constraints["enum"] = [value for value, _ in choices]
        fields.append(field)
    return fields
