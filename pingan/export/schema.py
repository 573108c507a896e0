"""The export Table Schema of a campaign: which columns, in what order, written how.

One schema serves the CSV resource, its ``datapackage.json`` entry, the fast validator and
the roster sheet, so what is written, what is declared and what is checked cannot drift.

Choice fields (unit, service type, category, residence, stage) are written as their Chinese
labels, not their ids, and their ``enum`` lists those labels. The people who open an export
are office staff in Excel, for whom ``safety-creation`` means nothing and 参与平安创建 is
what the notice printed; the roster a scheme's document prescribes (附件4) is filled with
names too. Labels are made unique per field (a duplicate gets its id in brackets), so the
mapping back to ids, which roster imports need, stays one to one.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pingan.campaigns import DERIVED_FIELDS, Campaign, campaign_fields, table_schema_field
from pingan.review import Workflow
from pingan.schemas import application_fields

if TYPE_CHECKING:
    from pingan.deployment import Deployment

#: Set by the system, not typed in: exported first, refused in an imported roster.
SYSTEM_FIELDS = ("reference", "submitted_at", "stage", "volunteer_number")

#: Read from a resident ID number when there is one (see rows.py).
ID_DERIVED_FIELDS = ("sex", "age", "birth_date")

BIRTH_DATE_REFUSED = "出生日期只能在导出完整身份证号码时导出（否则可由它还原被隐去的号码）"
MASKED_ID_DESCRIPTION = (
    "已隐去出生日期（第 7–14 位），保留号码长度、地区码和后四位；其他证件只保留前两位和后两位。"
)


class ColumnError(ValueError):
    """A requested column the campaign cannot export; the message is for office staff."""


@dataclass(frozen=True)
class ExportSchema:
    """The columns of one campaign's export and how stored values turn into written text."""

    campaign: str
    fields: list[dict[str, Any]]
    #: field name → {stored value: written label}, for choice fields only.
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    full_id_numbers: bool = False

    @property
    def names(self) -> list[str]:
        return [spec["name"] for spec in self.fields]

    def field(self, name: str) -> dict[str, Any]:
        return next(spec for spec in self.fields if spec["name"] == name)

    def descriptor(self) -> dict[str, Any]:
        """The Table Schema under the code's (English) field names."""
        return {
            "fields": [table_schema_field(spec) for spec in self.fields],
            "missingValues": [""],
        }

    def written_names(self) -> list[str]:
        """The column names the package writes: each field's title, unique in the table
        (a title two fields share is qualified by the field's name: 备注（remarks））."""
        titles = [spec.get("title") or spec["name"] for spec in self.fields]
        counts: dict[str, int] = {}
        for title in titles:
            counts[title] = counts.get(title, 0) + 1
        written = [
            title if counts[title] == 1 else f"{title}（{spec['name']}）"
            for title, spec in zip(titles, self.fields, strict=True)
        ]
        taken = set(written)
        if len(taken) < len(written):  # a qualified title that is another field's title
            pairs = zip(titles, self.fields, strict=True)
            written = [f"{title}（{spec['name']}）" for title, spec in pairs]
        return written

    def package_descriptor(self) -> dict[str, Any]:
        """The Table Schema as datapackage.json holds it: fields named by ``written_names``."""
        descriptor = self.descriptor()
        for spec, name in zip(descriptor["fields"], self.written_names(), strict=True):
            spec["name"] = name
        return descriptor

    def select(self, names: Sequence[str]) -> ExportSchema:
        """The same schema restricted to *names*, in that order."""
        by_name = {spec["name"]: spec for spec in self.fields}
        return ExportSchema(
            campaign=self.campaign,
            fields=[by_name[name] for name in names],
            labels={name: self.labels[name] for name in names if name in self.labels},
            full_id_numbers=self.full_id_numbers,
        )


def export_schema(
    campaign: Campaign,
    deployment: Deployment,
    columns: Sequence[str] | None = None,
    *,
    full_id_numbers: bool = False,
) -> ExportSchema:
    """The export schema of *campaign*: *columns* in their order, or every column.

    Every column: the system fields, then the form's fields in the form's order with sex and
    age after the ID number. ``birth_date`` is offered only with full ID numbers: with the
    area code and last four a masked number shows, the birth date would give the whole
    number back.
    """
    available = _available_fields(campaign, full_id_numbers)
    if columns is None:
        names = list(available)
    else:
        names = list(columns)
        _check_columns(names, available, campaign, full_id_numbers)
    schema = _build(campaign, deployment, available, full_id_numbers)
    return schema.select(names)


def roster_schema(
    campaign: Campaign, deployment: Deployment, *, full_id_numbers: bool = False
) -> tuple[ExportSchema, list[str]]:
    """The schema of the roster sheet and its column titles, in the scheme's order.

    A campaign without a ``roster`` section gets every export column under its title.
    """
    spec = campaign.data.get("roster")
    if not spec:
        schema = export_schema(campaign, deployment, full_id_numbers=full_id_numbers)
        return schema, [field_["title"] for field_ in schema.fields]
    wanted = [column["field"] for column in spec["columns"]]
    available = _available_fields(campaign, full_id_numbers, extra=wanted)
    _check_columns(wanted, available, campaign, full_id_numbers)
    schema = _build(campaign, deployment, available, full_id_numbers).select(wanted)
    return schema, [column["title"] for column in spec["columns"]]


def _available_fields(
    campaign: Campaign,
    full_id_numbers: bool,
    extra: Sequence[str] = (),
) -> dict[str, None]:
    """Every exportable column name in the default order (a dict as an ordered set)."""
    names: dict[str, None] = dict.fromkeys(SYSTEM_FIELDS)
    for name in campaign.field_names:
        names[name] = None
        if name == "id_number":
            names.update(dict.fromkeys(("sex", "age")))
    if full_id_numbers and "id_number" in names:
        names["birth_date"] = None
    elif not full_id_numbers:
        names.pop("birth_date", None)
    catalogue = application_fields()
    for name in extra:
        if name in catalogue or name in DERIVED_FIELDS:
            if name != "birth_date" or full_id_numbers:
                names.setdefault(name, None)
    return names


def _check_columns(
    names: Sequence[str], available: dict[str, None], campaign: Campaign, full_id_numbers: bool
) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ColumnError(f"列“{name}”选了两次")
        seen.add(name)
        if name == "birth_date" and not full_id_numbers:
            raise ColumnError(BIRTH_DATE_REFUSED)
        if name not in available:
            raise ColumnError(f"招募“{campaign.title}”没有可导出的列“{name}”")


def _build(
    campaign: Campaign, deployment: Deployment, names: dict[str, None], full_id_numbers: bool
) -> ExportSchema:
    """Table Schema fields for *names*: the catalogue's, the campaign's overrides, labels."""
    catalogue = application_fields()
    form_names = set(campaign.field_names)
    wanted_catalogue = [name for name in names if name in catalogue and name not in DERIVED_FIELDS]
    # Fields outside the form (a roster column, a derived sex) get their choices the same
    # way: as if the form asked for them, optional.
    extra = [
        {"field": name, "required": False} for name in wanted_catalogue if name not in form_names
    ]
    probe = Campaign(
        data={
            **campaign.data,
            "form": {**campaign.data["form"], "fields": [*campaign.data["form"]["fields"], *extra]},
        },
        file=campaign.file,
    )
    specs = {spec["name"]: spec for spec in campaign_fields(probe, deployment)}
    fields: list[dict[str, Any]] = []
    labels: dict[str, dict[str, str]] = {}
    for name in names:
        if name == "stage":
            spec = copy.deepcopy(DERIVED_FIELDS["stage"])
            # Every value a stage can take: the scheme's stages, rejected and withdrawn.
            spec["choices"] = Workflow(campaign, deployment).choices()
        elif name in DERIVED_FIELDS:
            spec = copy.deepcopy(DERIVED_FIELDS[name])
            spec["choices"] = None
        else:
            spec = copy.deepcopy(specs[name])
        if name in ID_DERIVED_FIELDS:
            # Derived from the ID number, so never missing when the number is there; the
            # form's "required" says nothing about an export of older records.
            spec.setdefault("constraints", {}).pop("required", None)
        if name == "id_number" and not full_id_numbers:
            spec["description"] = MASKED_ID_DESCRIPTION
        choices = spec.pop("choices", None)
        constraints = spec.setdefault("constraints", {})
        constraints.pop("enum", None)
        if choices:
            if any(value != label for value, label in choices):
                labels[name] = _unique_labels(choices)
            written = list(labels[name].values()) if name in labels else [v for v, _ in choices]
            if spec["type"] == "list":
                # Table Schema v1 has no item constraints (frictionless refuses "enum" on a
                # list), so the allowed items are documented instead of declared.
                allowed = spec.get("delimiter", ",").join(written)
                spec["description"] = (
                    f"可选值：{allowed}（多选时以“{spec.get('delimiter', ',')}”分隔）"
                )
            else:
                constraints["enum"] = written
        if spec.get("constraints") == {}:
            del spec["constraints"]
        fields.append(spec)
    return ExportSchema(
        campaign=campaign.id, fields=fields, labels=labels, full_id_numbers=full_id_numbers
    )


def _unique_labels(choices: Sequence[tuple[str, str]]) -> dict[str, str]:
    """value → label, a label shared by two values qualified by the value: 东村（dong-cun）."""
    counts: dict[str, int] = {}
    for _, label in choices:
        counts[label] = counts.get(label, 0) + 1
    return {
        value: label if counts[label] == 1 else f"{label}（{value}）" for value, label in choices
    }
