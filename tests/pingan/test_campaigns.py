"""Campaigns: their state on a day and their effective application fields."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import frictionless
import pytest
from tiny_deployment import CAMPAIGN, QUOTAS, edit

from pingan.campaigns import (
    CUSTOM_FIELD_KEYS,
    Campaign,
    application_units,
    campaign_fields,
    table_schema_field,
)
from pingan.deployment import load_deployment
from pingan.schemas import application_fields, read_schema

D = datetime.date
REPO = Path(__file__).resolve().parents[2]

EXPO_QUOTAS = (
    QUOTAS
    + """\
  - id: expo
    title: 招募类别
    categories:
      - {id: patrol, number: 1, name: 治安巡防, count: 30, recruitment: directed}
      - {id: public, number: 9, name: 社会招募, count: 1000, recruitment: open}
"""
)

FULL_FORM = """\
id: round-2
title: 全字段示例
opens: 2026-03-01
closes: 2026-03-31
recruitment: mixed
quota: expo
application_units: {levels: [town], units: [dong-cun]}
eligibility:
  age: {min: 18, max: 65, in_principle: true}
  residence:
    text: 本地户籍，或居住满半年
    options:
      - {id: local, name: 本地户籍}
      - {id: resident, name: 居住满半年}
service_types:
  - {id: patrol, name: 治安巡逻}
  - {id: mediation, name: 矛盾调解}
form:
  fields:
    - name
    - {field: id_number, title: 公民身份号码}
    - {field: mobile, required: true}
    - {field: email, required: false, description: 用于接收结果。}
    - field: education
      choices: [{id: college, name: 大专及以上}, {id: other, name: 其他}]
    - service_type
    - unit
    - residence
    - category
    - availability
    - political_status
"""


@pytest.fixture
def deployment(data_dir):
    return load_deployment(data_dir(quotas=EXPO_QUOTAS, **{"campaigns/round-2.yaml": FULL_FORM}))


@pytest.fixture
def fields(deployment):
    return {f["name"]: f for f in campaign_fields(deployment.campaigns["round-2"], deployment)}


@pytest.mark.parametrize(
    "day, status",
    [
        (D(2026, 2, 28), "upcoming"),
        (D(2026, 3, 1), "open"),  # the opening day counts
        (D(2026, 3, 31), "open"),  # so does the closing day
        (D(2026, 4, 1), "closed"),
    ],
)
def test_status_on_the_boundaries(deployment, day, status):
    assert deployment.campaigns["round-2"].status(day) == status


@pytest.fixture
def long_term(data_dir):
    """round-1 of the tiny folder as a long-term round: opens 2026-01-01, never closes."""
    text = edit(CAMPAIGN, "closes: 2026-12-31", "window: long_term")
    return load_deployment(data_dir(campaign=text)).campaigns["round-1"]


@pytest.mark.parametrize(
    "day, status",
    [
        (D(2025, 12, 31), "upcoming"),
        (D(2026, 1, 1), "open"),
        (D(2027, 1, 1), "open"),  # the day after the old closing day
        (D(2040, 6, 30), "open"),
        (D(9999, 12, 31), "open"),
    ],
)
def test_a_long_term_round_is_open_from_its_opening_day_on(long_term, day, status):
    assert long_term.status(day) == status


def test_the_deadline_reads_as_a_date_or_as_long_term(deployment):
    dated = deployment.campaigns["round-2"]
    long_term = Campaign({"opens": "2026-01-01", "window": "long_term"}, "x.yaml")
    assert (dated.window, dated.deadline_text()) == ("dated", "报名截止：2026 年 3 月 31 日")
    assert (long_term.closes, long_term.deadline_text()) == (None, "常年招募，长期有效")


def test_open_campaigns_on_a_day(deployment):
    assert [c.id for c in deployment.open_campaigns(D(2026, 3, 15))] == ["round-1", "round-2"]
    assert [c.id for c in deployment.open_campaigns(D(2026, 6, 1))] == ["round-1"]


def test_campaign_properties(deployment):
    campaign = deployment.campaigns["round-2"]
    assert (campaign.id, campaign.title) == ("round-2", "全字段示例")
    assert (campaign.opens, campaign.closes) == (D(2026, 3, 1), D(2026, 3, 31))
    assert campaign.file == "data/campaigns/round-2.yaml"
    assert campaign.field_names[:3] == ["name", "id_number", "mobile"]


@pytest.mark.parametrize(
    "recruitment, public", [("open", True), ("mixed", True), ("directed", False)]
)
def test_accepts_public(recruitment, public):
    assert Campaign({"recruitment": recruitment}, "x.yaml").accepts_public() is public


def test_fields_keep_the_campaign_order(fields):
    assert list(fields) == [
        "name", "id_number", "mobile", "email", "education", "service_type", "unit",
        "residence", "category", "availability", "political_status",
    ]  # fmt: skip


def test_overrides_title_required_and_description(fields):
    assert fields["id_number"]["title"] == "公民身份号码"
    assert fields["mobile"]["constraints"]["required"] is True
    assert fields["email"]["constraints"]["required"] is False
    assert fields["email"]["description"] == "用于接收结果。"
    assert fields["name"]["title"] == "姓名"  # not overridden: the catalogue's


def test_overrides_do_not_leak_into_the_catalogue(fields):
    assert application_fields()["id_number"]["title"] == "身份证号码"
    assert "required" not in application_fields()["mobile"].get("constraints", {})


def test_choices_given_by_the_campaign(fields):
    assert fields["education"]["choices"] == [("college", "大专及以上"), ("other", "其他")]
    assert fields["education"]["constraints"]["enum"] == ["college", "other"]


def test_choices_of_service_types(fields):
    assert fields["service_type"]["choices"] == [("patrol", "治安巡逻"), ("mediation", "矛盾调解")]


def test_choices_of_units_by_level_and_by_list_in_tree_order(deployment, fields):
    assert fields["unit"]["choices"] == [("dong", "东"), ("dong-cun", "东村"), ("xi", "西")]
    assert application_units(deployment.campaigns["round-2"], deployment) == [
        "dong",
        "dong-cun",
        "xi",
    ]


def test_units_default_to_those_of_the_quota_table(deployment):
    campaign = deployment.campaigns["round-1"]
    assert application_units(campaign, deployment) == ["dong", "xi"]


def test_choices_of_categories_and_residence(fields):
    assert fields["category"]["choices"] == [
        ("patrol", "（1）治安巡防"),
        ("public", "（9）社会招募"),
    ]
    assert fields["residence"]["choices"] == [("local", "本地户籍"), ("resident", "居住满半年")]


def test_choices_from_the_catalogue_enum(fields):
    assert ("群众", "群众") in fields["political_status"]["choices"]
    assert fields["name"]["choices"] is None


def test_a_list_field_has_choices_but_no_enum(fields):
    """Table Schema cannot put an enum on a list; the choices carry the allowed items."""
    assert ("周六", "周六") in fields["availability"]["choices"]
    assert "enum" not in fields["availability"]["constraints"]


def test_campaign_fields_are_valid_frictionless_fields(deployment, fields):
    schema = frictionless.Schema.from_descriptor(
        {"fields": [table_schema_field(f) for f in fields.values()]}
    )
    assert [f.name for f in schema.fields] == list(fields)


def test_a_campaign_with_a_bad_field_edit_is_caught_by_the_checker(data_dir):
    """The checker and campaign_fields agree on what a field override may contain."""
    from pingan.deployment import check_deployment

    bad = edit(CAMPAIGN, "fields: [name,", "fields: [{field: name, choices: []},")
    assert [p.field for p in check_deployment(data_dir(campaign=bad))] == ["form.fields[0].choices"]


CATALOGUE = read_schema("application.schema.yaml")["fields"]


@pytest.mark.parametrize("field", CATALOGUE, ids=[field["name"] for field in CATALOGUE])
def test_every_catalogue_field_is_a_valid_frictionless_field(field):
    assert set(field) - set(CUSTOM_FIELD_KEYS) <= {
        "name", "title", "description", "type", "format", "constraints",
        "trueValues", "falseValues", "delimiter", "itemType",
    }  # fmt: skip
    descriptor = table_schema_field(field)
    assert frictionless.Field.from_descriptor(descriptor).name == field["name"]
    assert not frictionless.Schema.validate_descriptor({"fields": [descriptor]}).errors


def test_catalogue_names_are_unique_and_custom_keys_are_known():
    names = [field["name"] for field in CATALOGUE]
    assert len(names) == len(set(names))
    sources = {field.get("choices_from") for field in CATALOGUE} - {None}
    assert sources <= {"campaign", "units", "categories", "residence", "document_types"}
    widgets = {field["widget"] for field in CATALOGUE}
    assert widgets <= {
        "text", "textarea", "select", "radio", "checkboxes", "date", "email", "tel", "checkbox",
    }  # fmt: skip


DEPLOYMENTS = [REPO / "data", *sorted(p for p in (REPO / "examples").iterdir() if p.is_dir())]


@pytest.mark.parametrize("root", DEPLOYMENTS, ids=lambda p: p.name)
def test_every_shipped_campaign_yields_valid_table_schema_fields(root):
    deployment = load_deployment(root)
    for campaign in deployment.campaigns.values():
        fields = campaign_fields(campaign, deployment)
        frictionless.Schema.from_descriptor({"fields": [table_schema_field(f) for f in fields]})
        for field in fields:
            assert field["choices"] is None or field["choices"], (campaign.id, field["name"])


def demo_data_dir() -> Path:
    """The folder `make demo` serves: the Makefile's DATA default."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    return REPO / re.search(r"^DATA \?= (\S+)$", makefile, re.MULTILINE).group(1)


@pytest.mark.parametrize("root", [demo_data_dir(), *DEPLOYMENTS[1:]], ids=lambda p: p.name)
@pytest.mark.parametrize("day", [datetime.date.today(), D(2027, 7, 1), D(2040, 1, 1)])
def test_every_deployment_has_an_open_example_round_whatever_the_day(root, day):
    """The demo's round is long-term, so `make demo` always has something to apply to."""
    open_rounds = load_deployment(root).open_campaigns(day)
    assert [(c.window, c.closes, c.data.get("example")) for c in open_rounds] == [
        ("long_term", None, True)
    ]


def test_the_documents_historical_rounds_keep_their_dates():
    historical = {
        campaign.id: (campaign.window, campaign.opens, campaign.closes)
        for root in DEPLOYMENTS
        for campaign in load_deployment(root).campaigns.values()
        if not campaign.data.get("example")
    }
    assert historical == {
        "expo-2009": ("dated", D(2009, 10, 1), D(2009, 10, 31)),
        "shanxi-2014": ("dated", D(2014, 10, 1), D(2014, 12, 31)),
    }
