"""``/volunteer`` (issue 11): a registered volunteer looks up their record and signs up for
an activity with the volunteer number (or reference) and the last four ID characters;
limits per address and per number, and a lock after repeated wrong tries."""

from __future__ import annotations

import pytest
from offices import csrf_of, page, reload
from test_volunteer_records import HOUR, OfficeUser, get_db_of, started

from form_service.volunteer_models import Activity
from form_service.volunteers import record_attendance


def registered(app, office, applicant, unit: str = "hutang"):
    application = applicant.stored(unit=unit)
    assert office(app, unit).decide(application, "approve").status_code == 303
    return reload(app, application.id)


class Volunteer:
    """A volunteer's browser on the public pages."""

    def __init__(self, app, number: str, last4: str, address: str = "198.51.100.7"):
        self.client = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = address
        self.number, self.last4 = number, last4

    def post(self, url: str, **data):
        token = csrf_of(self.client.get("/volunteer").data)
        form = {"csrf_token": token, "number": self.number, "last4": self.last4, **data}
        return self.client.post(url, data=form)

    def record(self):
        return self.post("/volunteer")


def test_a_registered_volunteer_sees_the_record_by_number_or_reference(app, office, applicant):
    application = registered(app, office, applicant)
    for key in (application.volunteer_number, application.reference):
        response = Volunteer(app, key, application.id_last4).record()
        assert response.status_code == 200
        html = page(response)
        assert html.select_one("#record-title").get_text() == (
            f"志愿者编号 {application.volunteer_number}"
        )
        assert html.select_one("#record-hours").get_text() == "0 小时"
        assert application.name not in response.data.decode()  # the name is masked


@pytest.mark.parametrize("wrong", ["number", "last4"])
def test_unknown_number_and_wrong_last4_get_the_same_answer(app, office, applicant, wrong):
    application = registered(app, office, applicant)
    number = "WJ2026999999" if wrong == "number" else application.volunteer_number
    last4 = "0000" if wrong == "last4" else application.id_last4
    response = Volunteer(app, number, last4).record()
    assert response.status_code == 404
    assert "没有找到相符的志愿者档案" in page(response).select_one(".error-summary").get_text()


def test_repeated_wrong_tries_lock_the_number_even_for_the_right_pair(app, office, applicant):
    application = registered(app, office, applicant)
    for attempt in range(app.config["VOLUNTEER_LOCK_FAILURES"]):
        address = f"203.0.113.{attempt + 1}"
        assert (
            Volunteer(app, application.volunteer_number, "0000", address).record().status_code
            == 404
        )
    response = Volunteer(app, application.volunteer_number, application.id_last4).record()
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert "已暂时锁定" in page(response).select_one(".error-summary").get_text()


def test_one_number_is_limited_from_every_address(office_app, office, applicant_of):
    app = office_app("wujin", RATELIMIT_ENABLED=True, VOLUNTEER_NUMBER_RATE_LIMIT="3 per minute")
    application = registered(app, office, applicant_of(app, "wujin-2026"))
    statuses = [
        Volunteer(app, application.volunteer_number, application.id_last4, f"192.0.2.{n}")
        .record()
        .status_code
        for n in range(1, 5)
    ]
    assert statuses == [200, 200, 200, 429]
    # Another number from the same addresses is not held back by the first one's count.
    other = Volunteer(app, "WJ2026000777", "1234", "192.0.2.1").record()
    assert other.status_code == 404


def test_sign_up_on_the_activity_page_then_attendance_shows_on_the_record(app, office, applicant):
    application = registered(app, office, applicant)
    hutang = OfficeUser(app, "hutang")
    activity = hutang.publish(places=2, title="周末治安巡逻")
    volunteer = Volunteer(app, application.volunteer_number, application.id_last4)
    listing = page(volunteer.client.get("/volunteer/activities"))
    assert "周末治安巡逻" in listing.select_one("#activities").get_text()
    response = volunteer.post(f"/volunteer/activities/{activity}/signup")
    assert response.status_code == 200
    assert page(response).select_one("#volunteer-notice").get_text().strip() == (
        "您已报名“周末治安巡逻”。"
    )
    again = volunteer.post(f"/volunteer/activities/{activity}/signup")
    assert again.status_code == 409
    assert page(again).select_one(".error-summary li").get_text() == "您已报名这个活动"
    shown = page(volunteer.client.get(f"/volunteer/activities/{activity}"))
    assert shown.select_one("#places-left").get_text() == "1"

    with get_db_of(app).sessions() as session:
        from sqlalchemy import select

        from form_service.volunteer_models import VolunteerRecord

        record_id = session.scalar(select(VolunteerRecord.id))
    started(app, activity)
    hutang.write(record_attendance, activity, {record_id: 3 * HOUR})
    html = page(volunteer.record())
    assert html.select_one("#record-hours").get_text() == "3 小时"
    assert html.select_one("#record-points").get_text().startswith("3 分")
    assert "周末治安巡逻" in html.select_one("#attended").get_text()


def test_cancel_before_the_start_frees_the_place(app, office, applicant):
    application = registered(app, office, applicant)
    activity = OfficeUser(app, "hutang").publish(places=1)
    volunteer = Volunteer(app, application.volunteer_number, application.id_last4)
    assert volunteer.post(f"/volunteer/activities/{activity}/signup").status_code == 200
    response = volunteer.post(f"/volunteer/activities/{activity}/cancel")
    assert response.status_code == 200
    assert "您已取消报名" in page(response).select_one("#volunteer-notice").get_text()
    with get_db_of(app).sessions() as session:
        assert session.get(Activity, activity).places_taken == 0


def test_a_wrong_pair_cannot_sign_up(app, office, applicant):
    application = registered(app, office, applicant)
    activity = OfficeUser(app, "hutang").publish(places=1)
    response = Volunteer(app, application.volunteer_number, "0000").post(
        f"/volunteer/activities/{activity}/signup"
    )
    assert response.status_code == 404
    with get_db_of(app).sessions() as session:
        assert session.get(Activity, activity).places_taken == 0


def test_an_unpublished_or_unknown_activity_is_not_found(app):
    assert app.test_client().get("/volunteer/activities/999").status_code == 404


# --- limits, lock and the start: sign-up and cancel as strict as the look-up ------------------


def test_one_address_is_limited_whatever_numbers_it_tries(office_app):
    app = office_app("wujin", RATELIMIT_ENABLED=True, VOLUNTEER_RATE_LIMIT="3 per minute")
    statuses = [
        Volunteer(app, f"WJ2026{n:06d}", "1234", "192.0.2.9").record().status_code
        for n in range(1, 5)
    ]
    assert statuses == [404, 404, 404, 429]
    activity = OfficeUser(app, "hutang").publish()
    signup = Volunteer(app, "WJ2026000005", "1234", "192.0.2.9")
    assert signup.post(f"/volunteer/activities/{activity}/signup").status_code == 429


def test_look_up_sign_up_and_cancel_share_one_budget_per_number(office_app, office, applicant_of):
    """Alternating the three forms gives a guesser no more tries of one number."""
    app = office_app("wujin", RATELIMIT_ENABLED=True, VOLUNTEER_NUMBER_RATE_LIMIT="3 per minute")
    application = registered(app, office, applicant_of(app, "wujin-2026"))
    activity = OfficeUser(app, "hutang").publish()
    number, last4 = application.volunteer_number, application.id_last4
    statuses = [
        Volunteer(app, number, last4, "192.0.2.1").record().status_code,
        Volunteer(app, number, last4, "192.0.2.2")
        .post(f"/volunteer/activities/{activity}/signup")
        .status_code,
        Volunteer(app, number, last4, "192.0.2.3")
        .post(f"/volunteer/activities/{activity}/cancel")
        .status_code,
        Volunteer(app, number, last4, "192.0.2.4")
        .post(f"/volunteer/activities/{activity}/signup")
        .status_code,
    ]
    assert statuses == [200, 200, 200, 429]


def test_wrong_tries_at_sign_up_lock_the_number_for_sign_up_and_look_up(app, office, applicant):
    application = registered(app, office, applicant)
    activity = OfficeUser(app, "hutang").publish(places=1)
    url = f"/volunteer/activities/{activity}/signup"
    for attempt in range(app.config["VOLUNTEER_LOCK_FAILURES"]):
        guesser = Volunteer(
            app, application.volunteer_number, f"{attempt:04d}", f"203.0.113.{attempt}"
        )
        assert guesser.post(url).status_code == 404
    owner = Volunteer(app, application.volunteer_number, application.id_last4)
    response = owner.post(url)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert "已暂时锁定" in page(response).select_one(".error-summary").get_text()
    assert owner.record().status_code == 429
    with get_db_of(app).sessions() as session:
        assert session.get(Activity, activity).places_taken == 0


def test_cancel_is_refused_once_the_activity_has_started(app, office, applicant):
    application = registered(app, office, applicant)
    activity = OfficeUser(app, "hutang").publish(places=2)
    volunteer = Volunteer(app, application.volunteer_number, application.id_last4)
    assert volunteer.post(f"/volunteer/activities/{activity}/signup").status_code == 200
    record = page(volunteer.record())
    assert record.select_one(f"form[action$='/activities/{activity}/cancel']") is not None
    started(app, activity)
    assert page(volunteer.record()).select_one(f"form[action$='/{activity}/cancel']") is None
    response = volunteer.post(f"/volunteer/activities/{activity}/cancel")
    assert response.status_code == 409
    assert "活动已开始，不能再取消报名" in page(response).select_one(".error-summary").get_text()
    with get_db_of(app).sessions() as session:
        assert session.get(Activity, activity).places_taken == 1
