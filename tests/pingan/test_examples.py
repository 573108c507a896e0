"""Every reference deployment (data/ and each folder of examples/) is sound demo data.

The folders are found by globbing, so a new example is checked without editing this file.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from pingan.cli import main
from pingan.deployment import Deployment, load_deployment

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENT_DIRS = [ROOT / "data"] + sorted(
    path.parent for path in (ROOT / "examples").glob("*/deployment.yaml")
)
EXAMPLE_DIRS = [path for path in DEPLOYMENT_DIRS if path.parent.name == "examples"]

#: "Today" for the demo: each deployment has one example round open on this day.
PRESENT = datetime.date(2026, 11, 23)

#: People the seed documents name: officials and a liaison, never volunteers or applicants.
OFFICIALS = [
    # 002 (Shanxi): the leading group, its office and its liaison
    "马皖东",
    "王爱民",
    "燕楠",
    "张华",
    "高伟",
    "赵宏",
    # 003 (expo town): the director and deputy directors of the town's office
    "蒋阿龙",
    "丁海兰",
    "孙鹤",
    "潘燕良",
    "朱伟中",
]
#: The Shanxi liaison's phone and e-mail (002): not for an invented demo contact either.
OFFICIAL_CONTACTS = ["4182850", "sxzyzgzb@126.com"]


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.fixture(scope="module", params=DEPLOYMENT_DIRS, ids=_id)
def deployment(request) -> Deployment:
    return load_deployment(request.param)


def test_the_four_reference_examples_are_present():
    assert {path.name for path in EXAMPLE_DIRS} >= {
        "chongqing",
        "shanxi-youth",
        "expo-town",
        "county-alliance",
    }


def test_loads_without_problems(deployment):
    assert deployment.tree.units
    assert deployment.campaigns


def test_exactly_one_campaign_is_open_today_and_it_is_a_marked_example(deployment):
    open_now = deployment.open_campaigns(PRESENT)
    assert [campaign.data.get("example") for campaign in open_now] == [True]
    assert open_now[0].accepts_public()


def test_campaigns_that_are_not_examples_are_history(deployment):
    for campaign in deployment.campaigns.values():
        if not campaign.data.get("example"):
            assert campaign.status(PRESENT) == "closed", campaign.id


def test_keeps_its_documents_history(deployment):
    assert deployment.settings["history"]
    assert deployment.settings["scheme"]["source"].startswith("shared/seeds/")


def test_every_honoured_person_is_invented_and_marked_so(deployment):
    for person in deployment.volunteers:
        assert person.get("example") is True, person["id"]


def test_no_official_named_in_the_seeds_is_on_the_honour_roll(deployment):
    people = [person["name"] for person in deployment.volunteers]
    people_text = "".join(
        person["name"] + person.get("story", "") for person in deployment.volunteers
    )
    stories_text = "".join(story["body"] for story in deployment.stories)
    for official in OFFICIALS:
        assert official not in people
        assert official not in people_text.replace(" ", "")
        assert official not in stories_text


@pytest.mark.parametrize("folder", DEPLOYMENT_DIRS, ids=_id)
def test_no_official_contact_detail_anywhere_in_the_data(folder):
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in {".yaml", ".md"}:
            text = path.read_text(encoding="utf-8")
            for detail in OFFICIAL_CONTACTS:
                assert detail not in text, f"{path}: {detail}"


def test_quotas_sit_only_on_units_the_documents_name(deployment):
    for table in deployment.quotas.values():
        for row in table.rows:
            assert not deployment.tree[row.unit].example, (table.id, row.unit)


@pytest.mark.parametrize("folder", EXAMPLE_DIRS, ids=_id)
def test_example_has_an_about_page_in_chinese(folder):
    settings = load_deployment(folder).settings
    about = folder / settings["content_dir"] / "about.md"
    assert about.read_text(encoding="utf-8").startswith("# 关于本方案\n")


@pytest.mark.parametrize("folder", DEPLOYMENT_DIRS, ids=_id)
def test_pingan_check_passes(folder, capsys):
    assert main(["check", str(folder)]) == 0
    assert "数据检查通过" in capsys.readouterr().out
