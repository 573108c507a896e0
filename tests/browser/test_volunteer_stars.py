"""Stars in a browser (issue 11), each through the office's own forms at 360 px with axe.

By hours (Wujin, the default thresholds 100/300/600/1,000/1,500): an office publishes an
activity on its form, a volunteer whose recorded history stands at 99.5 hours signs up on
the activity's page, the office ticks them present, and the volunteer's record shows the
new hours and points and their first star. Awarded (the county alliance rates by
performance): an office awards a rating on the record page, and the volunteer's record
shows the stars with who awarded them, when and why, the hours and points beside them.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from chromium import click_and_wait
from phone_layout import SERVICE_TARGETS, SERVICE_TEXT, at_width, problems
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from form_service.db import get_db
from form_service.models import Application, utcnow
from form_service.office.auth import hash_password
from form_service.office.review import change_stages
from form_service.office_models import User
from form_service.volunteer_models import Activity, VolunteerRecord
from form_service.volunteers import ActivityInput, publish_activity, record_attendance

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
PHONE = 360
HOUR = 60
#: Recorded before the test: 4 × 24 h + 3.5 h, half an hour short of the first star.
HISTORY_MINUTES = (24 * HOUR, 24 * HOUR, 24 * HOUR, 24 * HOUR, 3 * HOUR + 30)


def _office_user(app, username: str, unit: str) -> User:
    with app.app_context(), get_db().write() as session:
        user = User(
            username=username,
            display_name=username,
            unit=unit,
            role="administrator",
            password_hash=hash_password(PASSWORD),
        )
        session.add(user)
    return user


def _scope(app, unit: str) -> frozenset[str]:
    return frozenset(u.id for u in app.extensions["pingan_deployment"].tree.descendants(unit))


def _recorded_history(app, user: User, unit: str, record_id: int) -> None:
    """Past activities of *unit* with the volunteer's recorded attendance."""
    scope = _scope(app, unit)
    for number, minutes in enumerate(HISTORY_MINUTES, start=1):
        start = utcnow() - datetime.timedelta(days=30 + number)
        with app.app_context(), get_db().write() as session:
            activity = publish_activity(
                session,
                user,
                scope,
                ActivityInput(
                    unit,
                    f"往期巡逻 {number}",
                    "patrol",
                    "示例社区",
                    start,
                    start + datetime.timedelta(hours=3),
                    5,
                ),
            )
        with app.app_context(), get_db().write() as session:
            record_attendance(session, user, scope, activity.id, {record_id: minutes})


def _wujin_volunteer_near_a_star(app) -> tuple[str, str]:
    """A volunteer of 湖塘 registered online, 99.5 recorded hours; the office's account."""
    sys.path.insert(0, str(ROOT / "tests" / "form_service"))
    from applicants import Applicant

    assert Applicant(app).submit(unit="hutang", name="周示例").status_code == 303
    user = _office_user(app, "hutang-office", "hutang")
    with app.app_context():
        with get_db().sessions() as session:
            application_id = session.scalar(select(Application.id))
        change_stages(user, _scope(app, "hutang"), [application_id], "approve")
        with get_db().sessions() as session:
            number, last4 = session.execute(
                select(Application.volunteer_number, Application.id_last4)
            ).one()
            record_id = session.scalar(select(VolunteerRecord.id))
    _recorded_history(app, user, "hutang", record_id)
    return number, last4


def _check(browser, assert_accessible) -> None:
    found = problems(browser, PHONE, SERVICE_TARGETS, SERVICE_TEXT)
    assert not found, f"{browser.current_url}:\n" + "\n".join(found)
    assert_accessible(browser)


def _log_in(browser, url: str, username: str) -> None:
    browser.delete_all_cookies()
    browser.get(url + "/office/login")
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    click_and_wait(browser, (By.CSS_SELECTOR, "main form button[type=submit]"))


def _look_up(browser, url: str, number: str, last4: str) -> None:
    browser.delete_all_cookies()
    browser.get(url + "/volunteer")
    _prove(browser, number, last4)
    click_and_wait(browser, (By.CSS_SELECTOR, "main button[type=submit]"))


def _prove(browser, number: str, last4: str) -> None:
    browser.find_element(By.ID, "input-number").send_keys(number)
    browser.find_element(By.ID, "input-last4").send_keys(last4)


def _text(browser, element_id: str) -> str:
    return browser.find_element(By.ID, element_id).text


def _set(browser, element_id: str, value: str) -> None:
    """A date or time input takes its value as the form sends it, whatever the locale."""
    field = browser.find_element(By.ID, element_id)
    browser.execute_script("arguments[0].value = arguments[1]", field, value)


def test_an_attended_activity_brings_the_first_star_by_hours(demo, browser, assert_accessible):
    app, url = demo
    number, last4 = _wujin_volunteer_near_a_star(app)
    at_width(browser, PHONE)
    _look_up(browser, url, number, last4)
    assert _text(browser, "record-hours") == "99.5 小时"
    assert "暂无星级" in _text(browser, "record-stars")
    assert "累计服务满 100 小时可达 1 星" in _text(browser, "record-stars")
    points_before = int(_text(browser, "record-points").split(" ")[0])

    # The office publishes an activity on its form, three hours the day after tomorrow.
    _log_in(browser, url, "hutang-office")
    browser.get(url + "/office/activities/new")
    _check(browser, assert_accessible)
    day = datetime.datetime.now(ZoneInfo(app.config["TIMEZONE"])).date()
    browser.find_element(By.ID, "input-title").send_keys("冬季夜间治安巡逻")
    Select(browser.find_element(By.ID, "input-service_type")).select_by_value("patrol")
    browser.find_element(By.ID, "input-place").send_keys("湖塘镇示例社区")
    _set(browser, "input-date", (day + datetime.timedelta(days=2)).isoformat())
    _set(browser, "input-start", "19:00")
    _set(browser, "input-end", "22:00")
    browser.find_element(By.ID, "input-places").send_keys("5")
    click_and_wait(browser, (By.CSS_SELECTOR, "main form button[type=submit]"))
    assert "已发布活动“冬季夜间治安巡逻”" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    activity_path = browser.current_url.removeprefix(url)
    activity = int(activity_path.rsplit("/", 1)[1])

    # The volunteer signs up on the activity's page.
    browser.delete_all_cookies()
    browser.get(url + f"/volunteer/activities/{activity}")
    assert _text(browser, "places-left") == "5"
    _check(browser, assert_accessible)
    _prove(browser, number, last4)
    click_and_wait(browser, (By.ID, "signup-button"))
    assert "您已报名“冬季夜间治安巡逻”" in _text(browser, "volunteer-notice")

    # It takes place; the office ticks the volunteer present, hours pre-filled (3).
    with app.app_context(), get_db().write() as session:
        held = session.get(Activity, activity)
        held.starts_at = utcnow() - datetime.timedelta(hours=4)
        held.ends_at = utcnow() - datetime.timedelta(hours=1)
    _log_in(browser, url, "hutang-office")
    browser.get(url + activity_path)
    hours = browser.find_element(By.CSS_SELECTOR, "#attendance input[type=text]")
    assert hours.get_attribute("value") == "3"
    browser.find_element(By.CSS_SELECTOR, "#attendance input[type=checkbox]").click()
    click_and_wait(browser, (By.CSS_SELECTOR, "#attendance-form button[type=submit]"))
    assert "已登记 1 人" in browser.find_element(By.CSS_SELECTOR, ".flash").text

    # The record: 102.5 hours, three more points, one star by hours.
    _look_up(browser, url, number, last4)
    assert _text(browser, "record-hours") == "102.5 小时"
    assert _text(browser, "record-points").startswith(f"{points_before + 3} 分")
    stars = _text(browser, "record-stars")
    assert stars.startswith("★ 1 星"), stars
    assert "累计服务满 300 小时可达 2 星" in stars
    assert "冬季夜间治安巡逻" in _text(browser, "attended")
    _check(browser, assert_accessible)


# --- the county alliance: stars an office awards ----------------------------------------


@pytest.fixture
def county(form_service):
    return form_service(ROOT / "examples" / "county-alliance")


def test_the_county_alliances_awarded_stars_show_who_when_and_why(
    county, browser, assert_accessible
):
    app, url = county
    user = _office_user(app, "kaifaqu-office", "kaifaqu")
    with app.app_context(), get_db().write() as session:
        record = VolunteerRecord(
            deployment=app.extensions["pingan_deployment"].id,
            id_hmac="hmac-county-1",
            volunteer_number="XL2026000001",
            name="吴示例",
            id_last4="123X",
            unit="kaifaqu",
            skills=[],
        )
        session.add(record)
    with app.app_context(), get_db().write() as session:
        start = utcnow() - datetime.timedelta(days=3)
        activity = publish_activity(
            session,
            user,
            _scope(app, "kaifaqu"),
            ActivityInput(
                "kaifaqu",
                "矛盾纠纷调解",
                "governance",
                "开发区示例社区",
                start,
                start + datetime.timedelta(hours=6),
                5,
            ),
        )
    with app.app_context(), get_db().write() as session:
        record_attendance(session, user, _scope(app, "kaifaqu"), activity.id, {record.id: 360})
    at_width(browser, PHONE)

    # The office awards four stars on the record page, with its reason; the record names
    # who (the office and its account), when and why.
    _log_in(browser, url, "kaifaqu-office")
    browser.get(url + f"/office/volunteers/{record.id}")
    _check(browser, assert_accessible)
    Select(browser.find_element(By.ID, "input-stars")).select_by_value("4")
    browser.find_element(By.ID, "input-stars-reason").send_keys("全年调解纠纷 20 起，绩效突出")
    click_and_wait(browser, (By.CSS_SELECTOR, "form[action$='/stars'] button[type=submit]"))
    assert "已评定为 4 星" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    assert _text(browser, "record-stars") == "4 星（评定）"
    awarded = _text(browser, "star-awards")
    today = datetime.datetime.now(ZoneInfo(app.config["TIMEZONE"])).date()
    assert (
        "开发区平安法治志愿者联盟（kaifaqu-office）评定为 4 星：全年调解纠纷 20 起，绩效突出"
        in awarded
    )
    assert f"{today.year}" in awarded and "依据：服务 6 小时，积分 6" in awarded
    _check(browser, assert_accessible)

    # The volunteer's record: the stars, who awarded them, when and why; hours and points.
    _look_up(browser, url, "XL2026000001", "123x")
    stars = _text(browser, "record-stars")
    assert stars.startswith("★★★★ 4 星"), stars
    assert "开发区平安法治志愿者联盟于" in stars and "评定：全年调解纠纷 20 起，绩效突出" in stars
    assert _text(browser, "record-hours") == "6 小时"
    assert _text(browser, "record-points").startswith("6 分")
    _check(browser, assert_accessible)
