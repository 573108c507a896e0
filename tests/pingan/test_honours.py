"""Honours: nobody is named without recorded consent; the roll the site shows on a day."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tiny_deployment import HONOURS, edit

from pingan.deployment import check_deployment, load_deployment
from pingan.honours import CONSENT_METHODS

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = [ROOT / "data", *sorted((ROOT / "examples").iterdir())]
CONSENT = "consent: {date: 2025-11-15, method: 书面}, "


def report(root: Path) -> list[str]:
    return [str(problem) for problem in check_deployment(root)]


def test_a_named_person_without_consent_is_a_data_error(data_dir):
    root = data_dir(honours=edit(HONOURS, CONSENT, ""))
    assert report(root) == [
        "data/honours.yaml:2: volunteers[0].consent: “张示例”没有记录本人同意公开姓名和照片："
        "请写明 consent 的日期（date）和方式（method：书面、当面、电话、短信、微信、电子邮件）"
    ]


@pytest.mark.parametrize(
    "consent, problem",
    [
        ("{date: 2025-11-15}", "volunteers[0].consent.method: 缺少必填项"),
        ("{method: 当面}", "volunteers[0].consent.date: 缺少必填项"),
        ("{date: 2025-11-15, method: 口头}", "volunteers[0].consent.method: “口头”不是允许的取值"),
        ("{date: 2025-02-30, method: 电话}", "volunteers[0].consent.date:"),
    ],
    ids=["no-method", "no-date", "unknown-method", "no-such-day"],
)
def test_a_consent_needs_its_date_and_how_it_was_given(data_dir, consent, problem):
    written = "consent: {date: 2025-11-15, method: 书面}"
    root = data_dir(honours=edit(HONOURS, written, f"consent: {consent}"))
    found = report(root)
    assert len(found) == 1 and found[0].startswith(f"data/honours.yaml:2: {problem}")


def test_only_an_invented_person_may_carry_an_example_consent(data_dir):
    example_consent = "consent: {date: 2025-11-15, method: 书面, example: true}, "
    root = data_dir(honours=edit(HONOURS, CONSENT, example_consent))
    assert report(root) == [
        "data/honours.yaml:2: volunteers[0].consent.example: “张示例”不是示例人物"
        "（没有 example: true），其同意记录不能标为示例"
    ]
    root = data_dir(honours=edit(HONOURS, CONSENT, example_consent + "example: true, "))
    assert report(root) == []


@pytest.mark.parametrize("root", DEPLOYMENTS, ids=lambda path: path.name)
def test_every_invented_sample_person_carries_an_example_consent(root):
    deployment = load_deployment(root)
    assert deployment.volunteers, "each deployment shows some honours"
    for person in deployment.volunteers:
        assert person["example"] is True, person["id"]
        assert person["consent"]["example"] is True, person["id"]
        assert person["consent"]["method"] in CONSENT_METHODS


def test_the_schema_offers_the_consent_methods_the_code_knows():
    schema = yaml.safe_load((ROOT / "pingan/schemas/honours.schema.yaml").read_text("utf-8"))
    assert tuple(schema["$defs"]["consent"]["properties"]["method"]["enum"]) == CONSENT_METHODS
