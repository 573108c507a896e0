"""Published activities as the site reads them (pingan.activities) and the demo's example
activity in records.yaml (issue 11)."""

from __future__ import annotations

import datetime
import json

import pytest
from test_record_rules import RECORDS, ROOT, report

from pingan.activities import (
    ENDED,
    OPEN,
    UNDERWAY,
    ActivitiesError,
    PublishedActivity,
    load_activities,
    sorted_activities,
)

CHINA = datetime.timezone(datetime.timedelta(hours=8))
EXAMPLE = """\
example_activity:
  unit: dong
  title: 夜间巡逻（示例）
  service_type: patrol
  place: 镇政府门前
  days_ahead: 7
  start: "19:00"
  end: "21:00"
  places: 20
  open_to: public
"""


def activity(number: int, starts: datetime.datetime, hours: int = 2) -> PublishedActivity:
    return PublishedActivity(
        id=number,
        unit="dong",
        title=f"活动 {number}",
        content="",
        training=False,
        service_type="治安巡逻",
        place="镇政府",
        starts=starts,
        ends=starts + datetime.timedelta(hours=hours),
        places=10,
        signed_up=12 - number,
        requirements="",
        open_to="public",
        published=datetime.date(2026, 11, 1),
    )


def test_status_follows_the_printed_dates():
    evening = activity(1, datetime.datetime(2026, 11, 30, 22, 0, tzinfo=CHINA), hours=4)
    assert evening.when == "2026 年 11 月 30 日 22:00至 2026 年 12 月 1 日 2:00"
    assert [evening.status(datetime.date(2026, 11, d)) for d in (29, 30)] == [OPEN, UNDERWAY]
    assert evening.status(datetime.date(2026, 12, 1)) == UNDERWAY
    assert evening.status(datetime.date(2026, 12, 2)) == ENDED
    assert evening.places_left == 0  # more signed up than places never reads negative


def test_what_is_coming_comes_first_soonest_first_then_the_latest_ended():
    day = datetime.date(2026, 11, 23)
    moments = [datetime.datetime(2026, 11, d, 9, tzinfo=CHINA) for d in (1, 30, 25, 10)]
    ordered = sorted_activities([activity(n, m) for n, m in enumerate(moments)], day)
    assert [a.id for a in ordered] == [2, 1, 3, 0]


def test_an_unreadable_file_is_a_chinese_problem(tmp_path):
    with pytest.raises(ActivitiesError, match="无法读取活动文件"):
        load_activities(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"format": "pingan-activities/1"}), encoding="utf-8")
    with pytest.raises(ActivitiesError) as error:
        load_activities(broken)
    assert [p.field for p in error.value.problems] == ["activities", "deployment"]
    assert {p.message for p in error.value.problems} == {"缺少必填项"}


def test_a_deployment_may_have_an_example_activity(data_dir):
    assert report(data_dir(records=RECORDS + EXAMPLE)) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  unit: dong", "  unit: nan", "example_activity.unit: 单位“nan”不存在（见 units.yaml）"),
        (
            "  service_type: patrol",
            "  service_type: guard",
            "example_activity.service_type: 服务类型“guard”不存在（见本文件的 service_types）",
        ),
        ('  end: "21:00"', '  end: "18:00"', "example_activity.end: 结束时间须晚于开始时间"),
        ('  start: "19:00"', '  start: "7pm"', "example_activity.start: “7pm”格式不对"),
        ("  days_ahead: 7", "  days_ahead: 0", "example_activity.days_ahead: 0 太小"),
    ],
)
def test_check_reports_example_activity_mistakes(data_dir, old, new, expected):
    found = report(data_dir(records=RECORDS + EXAMPLE.replace(old, new)))
    assert len(found) == 1 and expected in found[0], found


def test_pingan_check_checks_an_activities_file(tmp_path, capsys):
    from pingan.cli import main

    path = tmp_path / "activities.json"
    document = {"format": "pingan-activities/1", "deployment": "wujin", "activities": []}
    path.write_text(json.dumps(document), encoding="utf-8")
    data = str(ROOT / "data")
    assert main(["check", data, "--activities", str(path)]) == 0
    path.write_text(json.dumps({**document, "deployment": "chongqing"}), encoding="utf-8")
    assert main(["check", data, "--activities", str(path)]) == 1
    assert "这是部署“chongqing”的活动，不是“wujin”的" in capsys.readouterr().err
