"""Stars and points on the honour roll (issue 11): a deployment that keeps volunteers'
records shows the recorded figures of a nomination linked to a record, never figures typed
into honours.yaml (``pingan check`` reports those); one without records shows the typed
ones."""

from __future__ import annotations

import datetime

from test_record_rules import RECORDS
from tiny_deployment import HONOURS, edit

from pingan.deployment import check_deployment, load_deployment
from pingan.honours import honour_roll

TYPED = "consent: {date: 2025-11-15, method: 书面}, year: 2025"
DAY = datetime.date(2026, 11, 26)


def typed_honours() -> str:
    return edit(HONOURS, TYPED, f"{TYPED}, stars: 4, points: 860")


def decision(**record) -> dict:
    entry = {
        "nomination": 7,
        "name": "张示例",
        "unit": "dong",
        "honour": "先进个人",
        "year": 2025,
        "withdrawn": False,
        "deeds": "巡逻",
        "consent": {"date": "2025-11-15", "method": "书面"},
        "notice": {"starts": "2025-11-20", "ends": "2025-11-26", "objections": "致电综治办"},
    }
    if record:
        entry["record"] = record
    return entry


def test_typed_figures_in_a_deployment_with_records_are_a_data_problem(data_dir):
    root = data_dir(honours=typed_honours(), records=RECORDS)
    problems = [(p.field, p.message) for p in check_deployment(root)]
    assert [field for field, _ in problems] == ["volunteers[0].stars", "volunteers[0].points"]
    assert problems[0][1].startswith("“张示例”的星级（stars）是手工填写的：本方案有志愿者档案")
    assert "光荣榜只显示档案记录的星级和积分" in problems[1][1]


def test_typed_figures_are_fine_and_shown_without_records(data_dir):
    root = data_dir(honours=typed_honours())
    assert list(check_deployment(root)) == []
    (honour,) = honour_roll(load_deployment(root), DAY).awarded
    assert (honour.stars, honour.points, honour.hours) == (4, 860, None)


def test_a_linked_record_gives_the_figures_and_typed_ones_stay_hidden(data_dir):
    root = data_dir(records=RECORDS)
    deployment = load_deployment(root)
    (honour,) = honour_roll(deployment, DAY).awarded
    assert (honour.stars, honour.points, honour.hours) == (None, None, None)
    recorded = {"stars": 2, "star_source": "hours", "points": 1210, "minutes": 18330}
    (honour,) = honour_roll(deployment, DAY, [decision(**recorded)]).awarded
    assert honour.person["id"] == "zhang" and honour.record == recorded
    assert (honour.stars, honour.points, honour.hours) == (2, 1210, "305.5")


def test_without_records_a_linked_record_still_decides_over_typed_figures(data_dir):
    recorded = {"stars": 2, "star_source": "hours", "points": 1210, "minutes": 18330}
    typed = load_deployment(data_dir(honours=typed_honours()))
    (honour,) = honour_roll(typed, DAY, [decision(**recorded)]).awarded
    assert (honour.stars, honour.points) == (2, 1210)
    (honour,) = honour_roll(typed, DAY, [decision()]).awarded
    assert (honour.stars, honour.points) == (4, 860)
