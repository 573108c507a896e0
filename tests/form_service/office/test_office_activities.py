"""The office's activity pages (issue 11): publish for a unit in scope, list, and record
attendance in bulk with hours pre-filled, corrections included."""

from __future__ import annotations

import datetime

from offices import page
from sqlalchemy import select
from test_volunteer_records import (
    HOUR,
    OfficeUser,
    get_db_of,
    make_records,
    records_of,
    started,
)

from form_service.volunteer_models import Activity, Attendance
from form_service.volunteers import claim_place

#: A day ahead of the real clock, so that sign-ups (before the start) stay open.
DAY = datetime.date.today() + datetime.timedelta(days=30)
FORM = {
    "unit": "hutang",
    "kind": "activity",
    "title": "春节前治安巡逻",
    "service_type": "patrol",
    "place": "湖塘镇示例社区",
    "date": DAY.isoformat(),
    "start": "09:00",
    "end": "12:00",
    "hours": "",
    "places": "10",
    "open_to": "unit",
    "content": "夜间巡逻、安全检查",
    "requirements": "统一服装",
}


def activities_of(app) -> list[Activity]:
    with get_db_of(app).sessions() as session:
        return list(session.scalars(select(Activity)))


def test_an_office_publishes_an_activity_in_its_time_zone(app, office):
    hutang = office(app, "hutang")
    response = hutang.post("/office/activities/new", FORM)
    assert response.status_code == 303
    (activity,) = activities_of(app)
    assert response.headers["Location"].endswith(f"/office/activities/{activity.id}")
    # 09:00 in China is 01:00 UTC; the hours follow from start and end.
    assert activity.starts_at.replace(tzinfo=None) == datetime.datetime.combine(
        DAY, datetime.time(1, 0)
    )
    assert (activity.minutes, activity.places, activity.state) == (3 * HOUR, 10, "published")
    listing = page(hutang.get("/office/activities"))
    assert "春节前治安巡逻" in listing.select_one("#activities").get_text()
    shown = page(hutang.get(f"/office/activities/{activity.id}"))
    assert shown.select_one("#places").get_text() == "已报名 0 / 共 10"


def test_a_wrong_form_publishes_nothing_and_says_why(app, office):
    hutang = office(app, "hutang")
    wrong = {**FORM, "title": "", "end": "08:00", "places": "十"}
    response = hutang.post("/office/activities/new", wrong)
    assert response.status_code == 422
    summary = page(response).select_one("#activity-errors").get_text()
    assert "名额请填写整数" in summary
    wrong = {**FORM, "title": "", "end": "08:00"}
    summary = page(hutang.post("/office/activities/new", wrong)).select_one("#activity-errors")
    assert "请填写活动名称" in summary.get_text()
    assert "结束时间须晚于开始时间" in summary.get_text()
    assert activities_of(app) == []


def test_an_office_cannot_publish_for_a_unit_outside_its_scope(app, office):
    response = office(app, "hutang").post("/office/activities/new", {**FORM, "unit": "niutang"})
    assert response.status_code == 422
    assert "请选择本单位或下级单位" in page(response).select_one("#activity-errors").get_text()
    assert activities_of(app) == []


def test_bulk_attendance_with_prefilled_hours_then_a_correction(app, office):
    hutang = office(app, "hutang")
    assert hutang.post("/office/activities/new", FORM).status_code == 303
    (activity,) = activities_of(app)
    first, second = make_records(app, 2)
    with app.app_context():
        for volunteer in (first, second):
            claim_place(get_db_of(app), activity.id, volunteer)
    started(app, activity.id)
    shown = page(hutang.get(f"/office/activities/{activity.id}"))
    assert [field["value"] for field in shown.select("#attendance input[type=text]")] == [
        "3",
        "3",
    ]
    # The first came for the whole activity, the second did not come.
    data = [
        ("listed", str(first)),
        ("listed", str(second)),
        (f"came-{first}", "1"),
        (f"hours-{first}", "3"),
        (f"hours-{second}", "3"),
    ]
    assert hutang.post(f"/office/activities/{activity.id}/attendance", data).status_code == 303
    records = {r.id: r for r in records_of(app)}
    assert (records[first].minutes, records[first].points) == (3 * HOUR, 3)
    assert records[second].minutes == 0
    # Correction: the first left after 2.5 hours.
    data[3] = (f"hours-{first}", "2.5")
    assert hutang.post(f"/office/activities/{activity.id}/attendance", data).status_code == 303
    (record,) = [r for r in records_of(app) if r.id == first]
    assert (record.minutes, record.points) == (150, 3)
    flashes = page(hutang.get(f"/office/activities/{activity.id}")).select(".flash")
    assert "更正 1 人" in flashes[-1].get_text()
    with get_db_of(app).sessions() as session:
        assert session.scalar(select(Attendance.minutes)) == 150


def test_hours_must_be_a_number_of_hours(app, office):
    hutang = office(app, "hutang")
    assert hutang.post("/office/activities/new", FORM).status_code == 303
    (activity,) = activities_of(app)
    (volunteer,) = make_records(app, 1)
    data = [("listed", str(volunteer)), (f"came-{volunteer}", "1"), (f"hours-{volunteer}", "三")]
    hutang.post(f"/office/activities/{activity.id}/attendance", data)
    flashes = page(hutang.get(f"/office/activities/{activity.id}")).select(".flash")
    assert "时长请填写小时数" in flashes[-1].get_text()
    assert records_of(app)[0].minutes == 0


def test_another_office_finds_neither_the_activity_nor_its_attendance(app, office):
    assert office(app, "hutang").post("/office/activities/new", FORM).status_code == 303
    (activity,) = activities_of(app)
    (volunteer,) = make_records(app, 1)
    intruder = office(app, "niutang", "administrator")
    assert intruder.get(f"/office/activities/{activity.id}").status_code == 404
    data = [("listed", str(volunteer)), (f"came-{volunteer}", "1"), (f"hours-{volunteer}", "3")]
    response = intruder.post(f"/office/activities/{activity.id}/attendance", data)
    assert response.status_code == 404
    assert "春节前治安巡逻" not in intruder.get("/office/activities").data.decode()
    assert records_of(app)[0].minutes == 0


def _local(text: str) -> datetime.datetime:
    """A time in China as stored (UTC)."""
    china = datetime.timezone(datetime.timedelta(hours=8))
    return datetime.datetime.fromisoformat(text).replace(tzinfo=china).astimezone(datetime.UTC)


def test_the_minimum_report_flags_the_units_behind(app, office):
    hutang = OfficeUser(app, "hutang")
    hutang.publish(unit="hutang", starts_at=_local("2026-11-10T10:00"))
    hutang.publish(unit="hutang-village-a", starts_at=_local("2026-11-12T19:00"))
    # Past midnight in China on 1 December: December's, though still 30 November in UTC.
    hutang.publish(unit="hutang-village-a", starts_at=_local("2026-12-01T00:30"))
    hutang.publish(unit="hutang-village-b", kind="training", starts_at=_local("2026-11-20T09:00"))
    browser = office(app, "hutang")
    html = page(browser.get("/office/activities/minimums?day=2026-11-15"))
    rows = {row["data-unit"]: row for row in html.select("#minimums tbody tr")}
    assert {unit: row["class"][0] for unit, row in rows.items()} == {
        "hutang": "met",
        "hutang-village-a": "behind",
        "hutang-village-b": "behind",
    }
    assert rows["hutang-village-a"].select_one("[data-label=要求]").get_text() == "每月不少于 2 次"
    assert html.select_one("#behind-count").get_text() == "2 个单位未达到最低活动次数。"
    december = page(browser.get("/office/activities/minimums?day=2026-12-05"))
    held = {
        row["data-unit"]: row.select_one("[data-label=已开展]").get_text()
        for row in december.select("#minimums tbody tr")
    }
    assert held == {"hutang": "0 次", "hutang-village-a": "1 次", "hutang-village-b": "0 次"}


def test_the_county_training_report_flags_who_was_offered_or_took_too_few(office_app, office):
    from test_volunteer_records import COUNTY

    from form_service.volunteers import record_attendance, set_role

    county = office_app("wujin", DATA_DIR=str(COUNTY))
    office_user = OfficeUser(county, "county")
    core, member, absent = make_records(county, 3, unit="kaifaqu")
    office_user.write(set_role, core, "core")
    year = datetime.date.today().year - 1
    sessions = [
        office_user.publish(
            unit="county",
            kind="training",
            service_type="governance",
            title=f"骨干培训 {n}",
            starts_at=_local(f"{year}-0{n + 1}-10T09:00"),
        )
        for n in range(3)
    ]
    # A session of another town is not offered to kaifaqu's volunteers.
    office_user.publish(
        unit="gaoxinqu",
        kind="training",
        service_type="governance",
        starts_at=_local(f"{year}-05-10T09:00"),
    )
    for session_id in sessions[:2]:
        office_user.write(record_attendance, session_id, {core: 120, member: 120})
    html = page(office(county, "county").get(f"/office/units/kaifaqu/training?year={year}"))
    rows = {row["data-number"]: row for row in html.select("#training tbody tr")}
    numbers = {r.id: r.volunteer_number for r in records_of(county)}
    cells = {number: [td.get_text() for td in row.select("td")[1:]] for number, row in rows.items()}
    assert cells[numbers[core]] == ["骨干志愿者", "3 次", "2 次", "提供培训 3 次，少于规定的 4 次"]
    assert cells[numbers[member]] == ["普通志愿者", "3 次", "2 次", "达标"]
    assert cells[numbers[absent]] == [
        "普通志愿者",
        "3 次",
        "0 次",
        "参加培训 0 次，少于规定的 1 次",
    ]
    assert html.select_one("#short-count").get_text() == "2 名志愿者未达到培训要求。"
    assert office(county, "kaifaqu").get("/office/units/gaoxinqu/training").status_code == 404
