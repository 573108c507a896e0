"""Volunteers' records after registration (issue 11): the record a registration creates or
joins, attendance with its totals (right after a correction), awards, the office's scope,
and sign-up that never overbooks, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime
import threading
from pathlib import Path

import pytest
from offices import OfficeApplicant, add_user, audit_actions, reload
from sqlalchemy import func, select

from form_service.db import get_db
from form_service.migrate import downgrade, upgrade
from form_service.models import Application, utcnow
from form_service.office_models import User
from form_service.queue import get_queue
from form_service.volunteer_models import (
    Activity,
    Attendance,
    SignUp,
    UnitTotals,
    VolunteerRecord,
)
from form_service.volunteers import (
    ActivityInput,
    Refused,
    award_event_points,
    award_stars,
    cancel_sign_up,
    claim_place,
    join_record,
    place,
    publish_activity,
    record_attendance,
)
from pingan.volunteer_rules import totals_from_history

COUNTY = Path(__file__).resolve().parents[3] / "examples" / "county-alliance"
EVERY_FIELD = Path(__file__).resolve().parents[1] / "data" / "every-field"
HOUR = 60
#: Attendance is recorded after an activity has started.
PAST = utcnow() - datetime.timedelta(days=2)


@pytest.fixture
def wujin(app):
    """The office app the ``applicant`` fixture submits to (one app, one queue runner)."""
    return app


class OfficeUser:
    """An office account used through the service functions, in the app's context."""

    def __init__(self, app, unit: str, role: str = "reviewer"):
        self.app = app
        self.unit = unit
        user_id = add_user(app, f"{unit}-{role}-svc", unit, role)
        with app.app_context():
            with get_db().sessions() as session:
                self.user = session.get(User, user_id)
        tree = app.extensions["pingan_deployment"].tree
        self.scope = frozenset(unit.id for unit in tree.descendants(unit))

    def write(self, function, *args, **kwargs):
        with self.app.app_context(), get_db().write() as session:
            return function(session, self.user, self.scope, *args, **kwargs)

    def publish(self, unit: str | None = None, **fields) -> int:
        start = fields.pop("starts_at", utcnow() + datetime.timedelta(days=1))
        data = ActivityInput(
            unit=unit or self.unit,
            title=fields.pop("title", "夜间治安巡逻"),
            service_type=fields.pop("service_type", "patrol"),
            place=fields.pop("place", "湖塘镇示例社区"),
            starts_at=start,
            ends_at=fields.pop("ends_at", start + datetime.timedelta(hours=3)),
            places=fields.pop("places", 10),
            **fields,
        )
        return self.write(publish_activity, data).id


def records_of(app) -> list[VolunteerRecord]:
    with get_db_of(app).sessions() as session:
        return list(session.scalars(select(VolunteerRecord).order_by(VolunteerRecord.id)))


def get_db_of(app):
    with app.app_context():
        return get_db()


def unit_totals(app, unit: str) -> UnitTotals | None:
    with get_db_of(app).sessions() as session:
        return session.scalar(select(UnitTotals).where(UnitTotals.unit == unit))


def make_records(app, count: int, unit: str = "hutang", start: int = 1) -> list[int]:
    """Registered volunteers stored directly (the sign-up tests need many quickly)."""
    deployment = app.extensions["pingan_deployment"].id
    with get_db_of(app).write() as session:
        rows = [
            VolunteerRecord(
                deployment=deployment,
                id_hmac=f"hmac-{unit}-{n}",
                volunteer_number=f"T{unit}{n:06d}",
                name=f"志愿者{n}",
                id_last4=f"{n % 10000:04d}",
                unit=unit,
                skills=[],
            )
            for n in range(start, start + count)
        ]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def register(app, office, applicant, unit: str = "hutang") -> Application:
    application = applicant.stored(unit=unit)
    assert office(app, unit).decide(application, "approve").status_code == 303
    return reload(app, application.id)


# --- the record ----------------------------------------------------------------------------


def test_registration_creates_the_record_in_the_same_write(wujin, office, applicant):
    application = register(wujin, office, applicant)
    (record,) = records_of(wujin)
    assert application.stage == "registered"
    assert record.volunteer_number == application.volunteer_number
    specialty = application.answers.get("specialty")
    assert (record.unit, record.role) == ("hutang", None)
    assert record.skills == ([specialty] if specialty else [])
    assert record.id_hmac == application.id_hmac and record.id_last4 == application.id_last4
    assert (record.minutes, record.points, record.stars) == (0, 0, 0)
    assert unit_totals(wujin, "hutang").volunteers == 1


def test_the_record_keeps_the_answer_of_the_skills_kind_as_a_skill(office_app):
    every = office_app("wujin", DATA_DIR=str(EVERY_FIELD))
    form = every.extensions["pingan_forms"]["every-2026"]
    assert form.skill_field == "specialty"  # the catalogue's field of the skills kind
    applicant = OfficeApplicant(every, "every-2026")
    asked = applicant.stored(specialty="  急救\n驾驶 ", via="GW-01")
    silent = applicant.stored(specialty="", via="GW-01")
    with every.app_context(), get_db().write() as session:
        skills = []
        for number, stored in enumerate((asked, silent)):
            row = session.get(Application, stored.id)
            row.volunteer_number = f"E{number:06d}"
            skills.append(join_record(session, row).skills)
    assert skills == [["急救\n驾驶"], []]


def test_a_later_registration_joins_the_first_record(wujin, office, applicant):
    first = register(wujin, office, applicant)
    # A later round's application of the same person (another scope, so it may be open).
    with get_db_of(wujin).write() as session:
        later = Application(
            **{
                column: getattr(first, column)
                for column in (
                    "deployment",
                    "campaign",
                    "unit",
                    "name",
                    "id_type",
                    "id_hmac",
                    "id_encrypted",
                    "id_last4",
                    "answers",
                    "declarations",
                    "notice_version",
                    "channel",
                )
            },
            reference="LATERROUND",
            scope="campaign:later-round",
            stage="submitted",
        )
        session.add(later)
        session.flush()
        later_id = later.id
    assert (
        office(wujin, "wujin", username="wujin-later").decide(later_id, "approve").status_code
        == 303
    )
    second = reload(wujin, later_id)
    assert second.stage == "registered" and second.volunteer_number != first.volunteer_number
    (record,) = records_of(wujin)
    assert record.volunteer_number == first.volunteer_number
    assert record.first_application_id == first.id
    assert unit_totals(wujin, "hutang").volunteers == 1


def test_join_record_twice_in_one_write_gives_one_record(wujin, office, applicant):
    application = register(wujin, office, applicant)
    with wujin.app_context(), get_db().write() as session:
        row = session.get(Application, application.id)
        assert join_record(session, row).id == join_record(session, row).id
    assert len(records_of(wujin)) == 1


def test_migration_0008_gives_registered_volunteers_their_records(wujin, office, applicant):
    application = register(wujin, office, applicant)
    engine = get_db_of(wujin).engine
    # The registration's letter is sent by the queue's thread: stop it writing first.
    get_queue(wujin).stop_inline()
    downgrade(engine, "0007")
    upgrade(engine)
    (record,) = records_of(wujin)
    assert record.volunteer_number == application.volunteer_number
    assert record.role is None and record.minutes == 0
    assert unit_totals(wujin, "hutang").volunteers == 1


# --- attendance and totals -----------------------------------------------------------------


def recount(app, record_id: int) -> tuple[int, int, int]:
    """Minutes, points and activities of a record counted from its attendance rows."""
    with get_db_of(app).sessions() as session:
        rows = session.execute(
            select(Attendance.kind, Attendance.minutes, Attendance.points).where(
                Attendance.record_id == record_id
            )
        ).all()
    service = [row for row in rows if row.kind == "activity"]
    return sum(r.minutes for r in service), sum(r.points for r in rows), len(service)


def test_attendance_moves_the_totals_and_a_correction_moves_them_back(wujin):
    hutang = OfficeUser(wujin, "hutang")
    security = hutang.publish(service_type="event-security", starts_at=PAST)  # coefficient 1.5
    patrol = hutang.publish(starts_at=PAST)
    a, b, c = make_records(wujin, 3)
    assert hutang.write(record_attendance, security, {a: 3 * HOUR, b: 3 * HOUR, c: 90}) == {
        "recorded": 3,
        "corrected": 0,
        "removed": 0,
        "unchanged": 0,
    }
    hutang.write(record_attendance, patrol, {a: 2 * HOUR})
    # Corrections: b came for 1 hour only, c did not come at all; a unchanged.
    assert hutang.write(record_attendance, security, {a: 3 * HOUR, b: HOUR, c: None}) == {
        "recorded": 0,
        "corrected": 1,
        "removed": 1,
        "unchanged": 1,
    }
    records = {r.id: r for r in records_of(wujin)}
    rules = wujin.extensions["pingan_deployment"].records
    expected = {
        a: totals_from_history(
            rules, [("activity", "event-security", 180), ("activity", "patrol", 120)]
        ),
        b: totals_from_history(rules, [("activity", "event-security", 60)]),
        c: totals_from_history(rules, []),
    }
    for record_id, totals in expected.items():
        record = records[record_id]
        assert (record.minutes, record.points, record.activities) == (
            totals.minutes,
            totals.points,
            totals.activities,
        )
        assert (record.minutes, record.points, record.activities) == recount(wujin, record_id)
    assert (records[a].minutes, records[a].points) == (300, 5 + 2)  # 4.5 → 5, then 2
    assert records[b].points == 2  # 1.5 → 2
    unit = unit_totals(wujin, "hutang")
    assert (unit.minutes, unit.points, unit.attendances) == (360, 9, 3)
    actions = audit_actions(wujin)
    assert actions.count("attendance_record") == 4
    assert actions.count("attendance_correct") == 1 and actions.count("attendance_remove") == 1


def test_a_correction_is_audited_with_before_and_after(wujin):
    from form_service.office_models import AuditEvent

    hutang = OfficeUser(wujin, "hutang")
    activity = hutang.publish(starts_at=PAST)
    (volunteer,) = make_records(wujin, 1)
    hutang.write(record_attendance, activity, {volunteer: 3 * HOUR})
    hutang.write(record_attendance, activity, {volunteer: 150})
    with get_db_of(wujin).sessions() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "attendance_correct"))
    assert event.detail == {
        "activity": activity,
        "record": volunteer,
        "hours_before": "3",
        "hours_after": "2.5",
        "points_before": 3,
        "points_after": 3,
    }
    assert event.unit == "hutang"


def test_stars_follow_the_hours_rule_up_and_back_down(wujin):
    hutang = OfficeUser(wujin, "hutang")
    (volunteer,) = make_records(wujin, 1)
    activities = [hutang.publish(title=f"巡逻 {n}", starts_at=PAST) for n in range(5)]
    for activity in activities:
        hutang.write(record_attendance, activity, {volunteer: 20 * HOUR})
    (record,) = records_of(wujin)
    assert (record.minutes, record.stars, record.star_source) == (100 * HOUR, 1, "hours")
    hutang.write(record_attendance, activities[0], {volunteer: 19 * HOUR})
    (record,) = records_of(wujin)
    assert (record.stars, record.star_source) == (0, None)
    with pytest.raises(Refused, match="本方案的星级按服务时长自动评定，不能手工评定"):
        hutang.write(award_stars, volunteer, 3, "很好")


def test_training_counts_as_a_training_without_hours_or_points(wujin):
    hutang = OfficeUser(wujin, "hutang")
    training = hutang.publish(kind="training", title="巡防业务培训", starts_at=PAST)
    (volunteer,) = make_records(wujin, 1)
    hutang.write(record_attendance, training, {volunteer: 2 * HOUR})
    (record,) = records_of(wujin)
    assert (record.trainings, record.activities, record.minutes, record.points) == (1, 0, 0, 0)
    assert unit_totals(wujin, "hutang").minutes == 0


def test_county_office_awards_stars_and_a_case_reward(office_app):
    county = office_app("wujin", DATA_DIR=str(COUNTY))
    office = OfficeUser(county, "county")
    town = sorted(office.scope - {"county"})[0]
    (volunteer,) = make_records(county, 1, unit=town)
    office.write(award_event_points, volunteer, "case-report", "报送涉毒线索一条，经核实")
    office.write(award_stars, volunteer, 4, "全年调解纠纷 20 起，绩效突出")
    (record,) = records_of(county)
    assert (record.points, record.stars, record.star_source) == (10, 4, "awarded")
    with pytest.raises(Refused, match="星级须为 1 至 5 星"):
        office.write(award_stars, volunteer, 6, "很好")
    assert "stars_award" in audit_actions(county)


# --- the office's scope --------------------------------------------------------------------


def test_an_office_cannot_place_record_or_award_outside_its_scope(wujin):
    hutang, other = OfficeUser(wujin, "hutang"), OfficeUser(wujin, "niutang")
    (volunteer,) = make_records(wujin, 1, unit="hutang")
    theirs = other.publish(starts_at=PAST)
    with pytest.raises(Refused) as refused:
        other.write(place, volunteer, "niutang")
    assert refused.value.status == 404
    with pytest.raises(Refused):
        other.write(record_attendance, theirs, {volunteer: HOUR})
    with pytest.raises(Refused):
        other.write(award_event_points, volunteer, "exemplary", "先进")
    with pytest.raises(Refused):
        hutang.write(record_attendance, theirs, {volunteer: HOUR})  # not hutang's activity
    with pytest.raises(Refused):
        hutang.write(place, volunteer, "niutang")  # a unit outside hutang's scope
    assert records_of(wujin)[0].minutes == 0


def test_placing_moves_the_unit_counts(wujin):
    district = OfficeUser(wujin, "wujin")
    (volunteer,) = make_records(wujin, 1, unit="hutang")
    village = next(
        u.id
        for u in wujin.extensions["pingan_deployment"].tree.descendants("hutang")
        if u.id != "hutang"
    )
    district.write(place, volunteer, village)
    assert records_of(wujin)[0].unit == village
    assert "volunteer_place" in audit_actions(wujin)


# --- sign-up -------------------------------------------------------------------------------


def test_sign_up_cancel_and_the_refusals(wujin):
    hutang = OfficeUser(wujin, "hutang")
    activity = hutang.publish(places=1)
    first, second = make_records(wujin, 2)
    db = get_db_of(wujin)
    with wujin.app_context():
        claim_place(db, activity, first)
        with pytest.raises(Refused, match="您已报名这个活动"):
            claim_place(db, activity, first)
        with pytest.raises(Refused, match="名额已满"):
            claim_place(db, activity, second)
        cancel_sign_up(db, activity, first)
        claim_place(db, activity, second)
        with pytest.raises(Refused, match="名额已满"):
            claim_place(db, activity, first)
        later = utcnow() + datetime.timedelta(days=2)
        with pytest.raises(Refused, match="活动已开始，不能再取消报名"):
            cancel_sign_up(db, activity, second, now=later)
        with pytest.raises(Refused, match="您没有报名这个活动"):
            cancel_sign_up(db, activity, first)
    with db.sessions() as session:
        assert session.get(Activity, activity).places_taken == 1


def test_a_unit_activity_refuses_volunteers_of_other_units(wujin):
    hutang = OfficeUser(wujin, "hutang")
    unit_only, public = hutang.publish(open_to="unit"), hutang.publish(open_to="public")
    (outsider,) = make_records(wujin, 1, unit="niutang")
    db = get_db_of(wujin)
    with wujin.app_context():
        with pytest.raises(Refused, match="这个活动只接受本单位志愿者报名"):
            claim_place(db, unit_only, outsider)
        claim_place(db, public, outsider)


def test_no_attendance_before_the_activity_starts(wujin):
    hutang = OfficeUser(wujin, "hutang")
    activity = hutang.publish()
    (volunteer,) = make_records(wujin, 1)
    with pytest.raises(Refused, match="活动开始后才能登记到场和服务时长"):
        hutang.write(record_attendance, activity, {volunteer: HOUR})


def started(app, activity_id: int) -> None:
    """Time passes: the activity (signed up for before) has started."""
    with get_db_of(app).write() as session:
        session.get(Activity, activity_id).starts_at = PAST


def test_no_sign_up_once_the_activity_has_started(wujin):
    hutang = OfficeUser(wujin, "hutang")
    activity = hutang.publish()
    (volunteer,) = make_records(wujin, 1)
    with wujin.app_context(), pytest.raises(Refused, match="活动已开始，不能再报名"):
        claim_place(
            get_db_of(wujin), activity, volunteer, now=utcnow() + datetime.timedelta(days=2)
        )


def test_a_hundred_concurrent_sign_ups_for_ten_places_give_exactly_ten(wujin):
    """Threads against the real database, each in its own transaction."""
    hutang = OfficeUser(wujin, "hutang")
    activity = hutang.publish(places=10, open_to="public")
    volunteers = make_records(wujin, 100)
    db = get_db_of(wujin)
    outcomes: list[str] = []
    barrier = threading.Barrier(len(volunteers))

    def sign_up(volunteer: int) -> None:
        with wujin.app_context():
            barrier.wait()
            try:
                claim_place(db, activity, volunteer)
                outcomes.append("ok")
            except Refused as refused:
                outcomes.append(refused.message)

    threads = [threading.Thread(target=sign_up, args=(v,)) for v in volunteers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 10
    assert outcomes.count("名额已满") == 90
    with db.sessions() as session:
        assert session.get(Activity, activity).places_taken == 10
        active = session.scalar(
            select(func.count()).select_from(SignUp).where(SignUp.state == "active")
        )
    assert active == 10
