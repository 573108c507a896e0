"""records.yaml: points, stars, training and activity minimums as data, and their checks.

The history tests run every shipped deployment's own rule over one recorded history (with
a correction), and state the totals worked out by hand from that deployment's file.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from tiny_deployment import edit

from pingan.deployment import check_deployment, load_deployment
from pingan.points import (
    UnknownServiceType,
    attendance_points,
    hours_text,
    minutes_from_hours,
)
from pingan.stars import award_refusal, next_threshold, star_rating, stars_for_minutes
from pingan.volunteer_rules import (
    minimum_for,
    period_of,
    totals_from_history,
    training_shortfalls,
)

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = {
    "wujin": ROOT / "data",
    "chongqing": ROOT / "examples/chongqing",
    "shanxi": ROOT / "examples/shanxi-youth",
    "expo": ROOT / "examples/expo-town",
    "county": ROOT / "examples/county-alliance",
}

RECORDS = """\
roles:
  - {id: core, name: 骨干志愿者}
  - {id: member, name: 志愿者, default: true}
service_types:
  - {id: patrol, name: 治安巡逻, coefficient: 1}
  - {id: security, name: 安保, coefficient: 1.5}
points:
  per_hour: 2
  example: true
  awards:
    - {id: case, name: 一案一奖, points: 10}
stars:
  by: hours
  thresholds: [100, 300, 600, 1000, 1500]
training:
  per: year
  offered:
    - {role: core, at_least: 4}
    - {role: member, at_least: 1, at_most: 2}
  attended_at_least: 1
minimums:
  - {level: village, activities: 2, per: month}
  - {level: town, activities: 1, per: month, from: 2026-01-01, until: 2026-06-30}
"""


def report(root) -> list[str]:
    return [str(problem) for problem in check_deployment(root)]


def rules_of(root):
    return load_deployment(root).records


# --- every shipped deployment keeps its rules -------------------------------------------


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_every_deployment_has_records_rules(name):
    rules = rules_of(DEPLOYMENTS[name])
    assert rules is not None
    assert rules.default_role in rules.roles
    assert set(rules.points.coefficients) == set(rules.service_types)


def _history(rules):
    """12 attendances of 10 h (one then corrected to 2.5 h), a training, two awards."""
    first = next(iter(rules.service_types))
    attendances = [("activity", first, 600)] * 11 + [("activity", first, 150)]
    attendances.append(("training", first, 120))
    awards = list(rules.points.awards)[:1]
    return attendances, awards


#: (minutes, points, stars, source) of _history under each deployment's rule, by hand:
#: 11 × 10 h + 2.5 h = 112.5 h; 1 point an hour, 2.5 rounds half up to 3; the first award.
EXPECTED = {
    "wujin": (6750, 110 + 3 + 50, 1, "hours"),
    "chongqing": (6750, 110 + 3 + 100, 1, "hours"),
    "shanxi": (6750, 110 + 3 + 50, 1, "hours"),
    "expo": (6750, 110 + 3 + 50, 1, "hours"),
    # The county awards its stars: hours alone give none.
    "county": (6750, 110 + 3 + 10, 0, None),
}


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_points_and_stars_from_a_recorded_history_with_a_correction(name):
    rules = rules_of(DEPLOYMENTS[name])
    attendances, awards = _history(rules)
    totals = totals_from_history(rules, attendances, awards)
    assert (totals.minutes, totals.points, totals.stars, totals.star_source) == EXPECTED[name]
    assert (totals.activities, totals.trainings) == (12, 1)
    # The correction: the 2.5 h attendance was really 0 h (recorded by mistake) …
    corrected = attendances[:11] + [attendances[12]]
    after = totals_from_history(rules, corrected, awards)
    assert after.minutes == 6600 and after.points == EXPECTED[name][1] - 3
    # … 100 h still hold one star by hours; 90 h hold none.
    exactly = totals_from_history(rules, corrected[1:], awards)
    assert exactly.minutes == 6000 and exactly.stars == EXPECTED[name][2]
    fewer = totals_from_history(rules, corrected[2:], awards)
    assert fewer.stars == 0 and fewer.minutes == 5400


def test_county_rating_is_the_awarded_one_whatever_the_hours():
    rules = rules_of(DEPLOYMENTS["county"])
    assert star_rating(rules.stars, 0, 4) == (4, "awarded")
    assert star_rating(rules.stars, 100_000, None) == (0, None)
    assert award_refusal(rules.stars, 6, "绩效突出") == "星级须为 1 至 5 星"
    assert (
        award_refusal(rules.stars, 3, " ") == "评定星级须写明依据（如工作绩效），志愿者档案会显示它"
    )
    assert award_refusal(rules.stars, 3, "全年调解纠纷 20 起") is None


def test_hours_rule_refuses_a_hand_award():
    rules = rules_of(DEPLOYMENTS["wujin"])
    assert award_refusal(rules.stars, 3, "很好") == "本方案的星级按服务时长自动评定，不能手工评定"


@pytest.mark.parametrize(
    ("hours", "stars"),
    [
        (0, 0),
        (99.9, 0),
        (100, 1),
        (299, 1),
        (300, 2),
        (600, 3),
        (999, 3),
        (1000, 4),
        (1500, 5),
        (9999, 5),
    ],
)
def test_default_thresholds(hours, stars):
    rules = rules_of(DEPLOYMENTS["wujin"])
    assert stars_for_minutes(rules.stars, minutes_from_hours(hours)) == stars


def test_thresholds_are_data(data_dir):
    beijing = edit(RECORDS, "[100, 300, 600, 1000, 1500]", "[100, 200, 500, 800, 1000]")
    rules = rules_of(data_dir(records=beijing))
    assert stars_for_minutes(rules.stars, 200 * 60) == 2
    assert stars_for_minutes(rules.stars, 1000 * 60) == 5
    assert next_threshold(rules.stars, 250 * 60) == 500
    assert next_threshold(rules.stars, 1000 * 60) is None


def test_points_use_the_service_types_coefficient_and_round_each_attendance(data_dir):
    rules = rules_of(data_dir(records=RECORDS))
    assert attendance_points(rules.points, "patrol", 90) == 3  # 1.5 h × 2
    assert attendance_points(rules.points, "security", 50) == 3  # 2.5 → 3
    assert attendance_points(rules.points, "security", 40) == 2
    with pytest.raises(UnknownServiceType, match="服务类型“cooking”不在本方案的 records.yaml 中"):
        attendance_points(rules.points, "cooking", 60)


def test_hours_text_and_minutes():
    assert hours_text(150) == "2.5"
    assert hours_text(720) == "12"
    assert minutes_from_hours("2.5") == 150
    assert minutes_from_hours(1.25) == 75


def test_minimums_per_level_and_period(data_dir):
    rules = rules_of(data_dir(records=RECORDS))
    day = datetime.date(2026, 5, 15)
    assert minimum_for(rules, "village", day).label == "每月不少于 2 次"
    assert minimum_for(rules, "town", day).activities == 1
    assert minimum_for(rules, "town", datetime.date(2026, 7, 1)) is None
    assert minimum_for(rules, "district", day) is None


def test_shipped_minimums():
    wujin = rules_of(DEPLOYMENTS["wujin"])
    day = datetime.date(2026, 3, 1)
    assert [minimum_for(wujin, level, day).label for level in ("village", "town", "district")] == [
        "每月不少于 2 次",
        "每月不少于 1 次",
        "每季度不少于 1 次",
    ]
    expo = rules_of(DEPLOYMENTS["expo"])
    assert minimum_for(expo, "neighbourhood", datetime.date(2010, 3, 1)).activities == 1
    assert minimum_for(expo, "neighbourhood", datetime.date(2010, 7, 1)).activities == 2
    later = minimum_for(expo, "neighbourhood", datetime.date(2026, 7, 1))
    assert later.activities == 1 and later.example


@pytest.mark.parametrize(
    ("per", "day", "start", "end"),
    [
        ("month", "2026-02-10", "2026-02-01", "2026-02-28"),
        ("month", "2026-12-31", "2026-12-01", "2026-12-31"),
        ("quarter", "2026-05-10", "2026-04-01", "2026-06-30"),
        ("quarter", "2026-11-01", "2026-10-01", "2026-12-31"),
        ("year", "2026-05-10", "2026-01-01", "2026-12-31"),
    ],
)
def test_period_of(per, day, start, end):
    parsed = datetime.date.fromisoformat
    assert period_of(per, parsed(day)) == (parsed(start), parsed(end))


def test_county_training_rule():
    rule = rules_of(DEPLOYMENTS["county"]).training
    assert training_shortfalls(rule, "core", 4, 1) == []
    assert training_shortfalls(rule, "core", 3, 0) == [
        "提供培训 3 次，少于规定的 4 次",
        "参加培训 0 次，少于规定的 1 次",
    ]
    assert training_shortfalls(rule, "member", 0, 0)[0] == "提供培训 0 次，少于规定的 1–2 次"
    assert training_shortfalls(rule, "member", 2, 1) == []


def test_a_deployment_without_records_keeps_none(data_dir):
    assert load_deployment(data_dir()).records is None


# --- pingan check: each mistake with its line and a Chinese sentence --------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  - {id: member, name: 志愿者, default: true}",
            "  - {id: member, name: 志愿者, default: true}\n  - {id: core, name: 组长}",
            "4: roles[2].id: 角色编号“core”重复",
        ),
        (
            "  - {id: member, name: 志愿者, default: true}",
            "  - {id: member, name: 志愿者}",
            "1: roles: 须有一个角色标为 default: true（新登记的志愿者取这个角色）",
        ),
        (
            "  - {id: core, name: 骨干志愿者}",
            "  - {id: core, name: 骨干志愿者, default: true}",
            "1: roles: 只能有一个角色标为 default: true",
        ),
        (
            "  - {id: security, name: 安保, coefficient: 1.5}",
            "  - {id: patrol, name: 安保, coefficient: 1.5}",
            "6: service_types[1].id: 服务类型编号“patrol”重复",
        ),
        (
            "coefficient: 1.5}",
            "coefficient: 0}",
            "6: service_types[1].coefficient: 0 太小（应大于 0）",
        ),
        (
            "  per_hour: 2\n",
            "  per_hour: 两分\n",
            "8: points.per_hour: 应为数字，实为“两分”",
        ),
        (
            "  by: hours\n",
            "  by: hour\n",
            "13: stars.by: “hour”不是允许的取值（可选：hours、awarded）",
        ),
        (
            "[100, 300, 600, 1000, 1500]",
            "[100, 300, 300, 1000, 1500]",
            "14: stars.thresholds[2]: 3 星的时长须多于 2 星的 300 小时",
        ),
        (
            "  by: hours\n",
            "  by: awarded\n",
            "14: stars.thresholds: 由单位评定星级（by: awarded）时不能写 thresholds",
        ),
        (
            "    - {role: core, at_least: 4}",
            "    - {role: leader, at_least: 4}",
            "18: training.offered[0].role: 角色“leader”不在 roles 中",
        ),
        (
            "at_least: 1, at_most: 2}",
            "at_least: 2, at_most: 1}",
            "19: training.offered[1].at_most: at_most 不能小于 at_least",
        ),
        (
            "  - {level: village, activities: 2, per: month}",
            "  - {level: hamlet, activities: 2, per: month}",
            "22: minimums[0].level: 层级“hamlet”不存在（见 deployment.yaml 的 levels）",
        ),
        (
            "until: 2026-06-30",
            "until: 2025-06-30",
            "23: minimums[1].until: 结束日期早于开始日期",
        ),
        (
            "per: month}\n",
            "per: week}\n",
            "22: minimums[0].per: “week”不是允许的取值（可选：month、quarter、year）",
        ),
        (
            "  attended_at_least: 1\n",
            "  attended: 1\n",
            "20: training.attended: 不认识的键（拼写错误？允许的键见 pingan/schemas/）",
        ),
    ],
)
def test_check_reports_records_mistakes(data_dir, old, new, expected):
    assert report(data_dir(records=edit(RECORDS, old, new))) == [f"data/records.yaml:{expected}"]


def test_check_reports_missing_sections(data_dir):
    assert report(data_dir(records="roles: [{id: member, name: 志愿者, default: true}]\n")) == [
        "data/records.yaml:1: points: 缺少必填项",
        "data/records.yaml:1: service_types: 缺少必填项",
        "data/records.yaml:1: stars: 缺少必填项",
    ]


def test_the_fixture_rules_are_valid(data_dir):
    assert report(data_dir(records=RECORDS)) == []
