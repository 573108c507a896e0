"""Input objects for a campaign's application, built from ``pingan.campaigns.campaign_fields``.

Nothing here is written per campaign: the fields, their choices, limits and widgets come
from the Table Schema catalogue plus the campaign's overrides, so the HTML form, the
validator, the OpenAPI document and (next) the roster import all read one definition.
Flask-WTF is used for what it is good at, the CSRF token (``CsrfForm``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from flask_wtf import FlaskForm

from pingan.campaigns import Campaign, application_units, campaign_fields
from pingan.deployment import Deployment
from pingan.fields import Kind, kind_of, letter_field, skill_field
from pingan.markup import render_markdown
from pingan.review import Workflow
from pingan.schemas import application_fields

#: Chinese names of the document types, from the catalogue's ``id_type`` choices.
DOCUMENT_TYPE_NAMES = {c["id"]: c["name"] for c in application_fields()["id_type"]["choices"]}

#: Keys besides the fields that an application carries.
EXTRA_KEYS = ("declarations", "consent_notice", "consent_sensitive", "notice_version", "via")


class CsrfForm(FlaskForm):
    """Only the CSRF token: the application's own fields are built from the schema."""


@dataclass
class FormField:
    """One question of the form, as the form, the validator and the API spec see it."""

    name: str
    title: str
    kind: Kind
    widget: str
    required: bool = False
    description: str | None = None
    choices: list[tuple[str, str]] | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    sensitive: bool = False
    derived_from: str | None = None
    choices_from: str | None = None
    autocomplete: str | None = None

    @property
    def values(self) -> list[str] | None:
        return [value for value, _ in self.choices] if self.choices is not None else None

    def allows(self, value: str) -> bool:
        """Whether *value* is one of the choices: a set lookup (a unit list can hold
        thousands), the set kept until ``choices`` is replaced."""
        kept = self.__dict__.get("_allowed")
        if kept is None or kept[0] is not self.choices:
            kept = (self.choices, frozenset(value for value, _ in self.choices or ()))
            self.__dict__["_allowed"] = kept
        return value in kept[1]

    @property
    def type(self) -> str:
        """The Table Schema type of the stored value (string, date, boolean or list)."""
        return self.kind.type

    @classmethod
    def from_schema(cls, spec: dict[str, Any]) -> FormField:
        constraints = spec.get("constraints", {})
        kind = kind_of(spec)
        return cls(
            name=spec["name"],
            title=spec["title"],
            kind=kind,
            widget=spec.get("widget", "text"),
            required=bool(constraints.get("required")),
            description=spec.get("description"),
            choices=[tuple(choice) for choice in spec["choices"]] if spec["choices"] else None,
            min_length=constraints.get("minLength"),
            max_length=constraints.get("maxLength"),
            pattern=constraints.get("pattern"),
            sensitive=bool(spec.get("sensitive")) or kind.always_sensitive,
            derived_from=spec.get("derived_from"),
            choices_from=spec.get("choices_from"),
            autocomplete=spec.get("autocomplete"),
        )


@dataclass
class CampaignForm:
    """Everything needed to show, check and store one campaign's application."""

    campaign: Campaign
    deployment: Deployment
    fields: list[FormField]
    declarations: list[tuple[str, str]]
    notice_html: str
    notice_version: str
    document_types: list[str]
    directed_categories: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> FormField:
        return next(f for f in self.fields if f.name == name)

    def __contains__(self, name: object) -> bool:
        return any(f.name == name for f in self.fields)

    @property
    def eligibility(self) -> dict[str, Any]:
        return self.campaign.data["eligibility"]

    @cached_property
    def workflow(self) -> Workflow:
        """The campaign's stages, built once (every submission starts at the first)."""
        return Workflow(self.campaign, self.deployment)

    @cached_property
    def letter_field(self) -> str | None:
        """The field whose answer e-mails to the applicant go to (by its kind), or None."""
        return letter_field(self.fields)

    @cached_property
    def skill_field(self) -> str | None:
        """The field whose answer the volunteer's record keeps as a skill (by its kind)."""
        return skill_field(self.fields)

    @property
    def sensitive_titles(self) -> list[str]:
        return [f.title for f in self.fields if f.sensitive]

    @property
    def accepted_keys(self) -> set[str]:
        return {f.name for f in self.fields} | set(EXTRA_KEYS)

    @property
    def scope(self) -> str:
        """What one person may apply to once (see models.Application)."""
        rule = self.eligibility.get("double_registration", "allowed")
        if rule == "allowed":
            return f"campaign:{self.campaign.id}"
        return f"deployment:{self.deployment.id}"

    @property
    def contact_text(self) -> str:
        contact = self.deployment.settings.get("contact") or {}
        parts = [contact.get(key) for key in ("office", "phone", "email") if contact.get(key)]
        return "，".join(parts) if parts else self.deployment.name


#: The grid worker's code: asked as a field where a campaign lists it, else carried by the link.
VIA = FormField.from_schema({**application_fields()["via"], "choices": None})


def build_campaign_form(campaign: Campaign, deployment: Deployment) -> CampaignForm:
    """The campaign's form: schema fields, public choices, declarations and the notice."""
    fields = [FormField.from_schema(spec) for spec in campaign_fields(campaign, deployment)]
    eligibility = campaign.data["eligibility"]
    document_types = list(eligibility.get("document_types") or ["resident_id"])
    directed: dict[str, str] = {}
    for form_field in fields:
        if form_field.choices_from == "categories":
            directed = _directed_categories(campaign, deployment)
            form_field.choices = [c for c in form_field.choices or [] if c[0] not in directed]
        if form_field.choices_from == "units" and form_field.choices is not None:
            allowed = set(application_units(campaign, deployment))
            form_field.choices = [c for c in form_field.choices if c[0] in allowed]
    declarations = [(d["id"], d["text"]) for d in eligibility.get("declarations", [])]
    notice_markdown = campaign.data["form"].get("notice") or default_notice(
        campaign, deployment, fields
    )
    notice_html = render_markdown(notice_markdown)
    version = campaign.data["form"].get("notice_version") or (
        "auto-" + hashlib.sha256(notice_markdown.encode()).hexdigest()[:12]
    )
    return CampaignForm(
        campaign=campaign,
        deployment=deployment,
        fields=fields,
        declarations=declarations,
        notice_html=notice_html,
        notice_version=version,
        document_types=document_types,
        directed_categories=directed,
    )


def _directed_categories(campaign: Campaign, deployment: Deployment) -> dict[str, str]:
    """Category id → who files it, for categories the public cannot apply to."""
    table = deployment.quotas.get(campaign.data.get("quota", ""))
    if not table:
        return {}
    return {c.id: c.filed_by or "所在单位" for c in table.categories if c.recruitment == "directed"}


def default_notice(campaign: Campaign, deployment: Deployment, fields: list[FormField]) -> str:
    """The personal-information notice when the campaign does not write its own."""
    issuer = campaign.data.get("issuer") or deployment.name
    titles = "、".join(f.title for f in fields)
    sensitive = "、".join(f.title for f in fields if f.sensitive)
    contact = deployment.settings.get("contact") or {}
    reach = "，".join(str(contact[k]) for k in ("office", "phone", "email") if contact.get(k))
    return (
        f"为办理平安志愿者报名和注册，{issuer}收集您在本表中填写的以下信息：{titles}。\n\n"
        f"其中{sensitive}属于敏感个人信息，仅用于核实身份、年龄和报名资格，加密保存，"
        "只有负责审核的工作人员可以查看。\n\n"
        "这些信息只用于本次招募和平安志愿者队伍管理，不向无关单位或个人提供。"
        f"您可以联系{reach or issuer}查询、更正或撤回您的报名信息。"
    )
