"""After registration in a browser (issue 11): a volunteer signs up for an activity an office
published, the office ticks them present, and the volunteer's record shows the new hours
and points; every page on the way reads on a 360 px phone and passes axe."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import pytest
from chromium import click_and_wait
from phone_layout import SERVICE_TARGETS, SERVICE_TEXT, at_width, problems
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as expected
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from form_service.db import get_db
from form_service.models import Application, utcnow
from form_service.office.auth import hash_password
from form_service.office.review import change_stages
from form_service.office_models import User
from form_service.volunteer_models import Activity
from form_service.volunteers import ActivityInput, publish_activity

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
PHONE = 360


def _registered_volunteer_and_activity(app) -> tuple[str, str, int]:
    """A registered volunteer of 湖塘 and an activity of 湖塘 tomorrow, with one office."""
    sys.path.insert(0, str(ROOT / "tests" / "form_service"))
    from applicants import Applicant

    assert Applicant(app).submit(unit="hutang", name="周示例").status_code == 303
    with app.test_request_context():
        with get_db().write() as session:
            user = User(
                username="hutang-office",
                display_name="湖塘工作站",
                unit="hutang",
                role="administrator",
                password_hash=hash_password(PASSWORD),
            )
            session.add(user)
        scope = frozenset(
            u.id for u in app.extensions["pingan_deployment"].tree.descendants("hutang")
        )
        with get_db().sessions() as session:
            application_id = session.scalar(select(Application.id))
        change_stages(user, scope, [application_id], "approve")
        start = utcnow() + datetime.timedelta(days=1)
        with get_db().write() as session:
            activity = publish_activity(
                session,
                user,
                scope,
                ActivityInput(
                    "hutang",
                    "周末夜间治安巡逻",
                    "patrol",
                    "湖塘镇示例社区",
                    start,
                    start + datetime.timedelta(hours=3),
                    10,
                    content="沿示例社区主要道路巡逻，检查门店防盗。",
                    requirements="统一服装，18:50 集合",
                ),
            )
        with get_db().sessions() as session:
            number, last4 = session.execute(
                select(Application.volunteer_number, Application.id_last4)
            ).one()
    return number, last4, activity.id


def _check(browser, assert_accessible) -> None:
    found = problems(browser, PHONE, SERVICE_TARGETS, SERVICE_TEXT)
    assert not found, f"{browser.current_url}:\n" + "\n".join(found)
    assert_accessible(browser)


def _submit(browser, selector: str) -> None:
    click_and_wait(browser, (By.CSS_SELECTOR, selector))


def _prove(browser, number: str, last4: str) -> None:
    browser.find_element(By.ID, "input-number").send_keys(number)
    browser.find_element(By.ID, "input-last4").send_keys(last4)


def test_sign_up_attendance_and_the_record_on_a_phone(demo, browser, assert_accessible):
    app, url = demo
    number, last4, activity = _registered_volunteer_and_activity(app)
    at_width(browser, PHONE)

    # The volunteer finds the activity and signs up (认领).
    browser.get(url + "/volunteer/activities")
    _check(browser, assert_accessible)
    browser.find_element(By.CSS_SELECTOR, "#activities a").click()
    WebDriverWait(browser, 15).until(expected.presence_of_element_located((By.ID, "places-left")))
    assert browser.find_element(By.ID, "places-left").text == "10"
    _check(browser, assert_accessible)
    _prove(browser, number, last4)
    _submit(browser, "#signup-button")
    assert "您已报名" in browser.find_element(By.ID, "volunteer-notice").text
    _check(browser, assert_accessible)

    # The activity takes place; the office ticks the volunteer present (hours pre-filled).
    with app.app_context(), get_db().write() as session:
        session.get(Activity, activity).starts_at = utcnow() - datetime.timedelta(hours=4)
    browser.delete_all_cookies()
    browser.get(url + "/office/login")
    browser.find_element(By.ID, "username").send_keys("hutang-office")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    _submit(browser, "main form button[type=submit]")
    for path in (
        "/office/activities",
        "/office/activities/new",
        "/office/volunteers",
        "/office/activities/minimums",
        "/office/units/hutang/training",
    ):
        browser.get(url + path)
        _check(browser, assert_accessible)
    browser.get(url + f"/office/activities/{activity}")
    hours = browser.find_element(By.CSS_SELECTOR, "#attendance input[type=text]")
    assert hours.get_attribute("value") == "3"
    _check(browser, assert_accessible)
    browser.find_element(By.CSS_SELECTOR, "#attendance input[type=checkbox]").click()
    _submit(browser, "#attendance-form button[type=submit]")
    assert "已登记 1 人" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    browser.get(url + "/office/volunteers")
    browser.find_element(By.CSS_SELECTOR, "#volunteers a").click()
    WebDriverWait(browser, 15).until(expected.presence_of_element_located((By.ID, "record-hours")))
    _check(browser, assert_accessible)

    # The volunteer's record shows the hours and the points.
    browser.delete_all_cookies()
    browser.get(url + "/volunteer")
    _check(browser, assert_accessible)
    _prove(browser, number, last4)
    _submit(browser, "main button[type=submit]")
    assert browser.find_element(By.ID, "record-hours").text == "3 小时"
    assert browser.find_element(By.ID, "record-points").text.startswith("3 分")
    assert "周末夜间治安巡逻" in browser.find_element(By.ID, "attended").text
    _check(browser, assert_accessible)
