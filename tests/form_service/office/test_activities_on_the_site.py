"""Published activities reach the static site (issue 11): the counts endpoint the site's
pages read the places left from (one indexed query, on SQLite and PostgreSQL), the
``activities.json`` build input (no person in it), and an office's 'publish' that queues a
rebuild whose site has the activity's page. Also the demo's example activity."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from bs4 import BeautifulSoup
from offices import audit_actions, page
from sqlalchemy import event, select, text
from test_office_activities import FORM, activities_of
from test_volunteer_lookup import Volunteer, registered
from test_volunteer_records import OfficeUser, get_db_of, make_records

from form_service.example_activity import publish_example
from form_service.models import utcnow
from form_service.published_activities import activities_document
from form_service.queue import get_queue
from form_service.site_rebuild import rebuild
from form_service.volunteer_models import Activity
from form_service.volunteers import ActivityInput, claim_place, publish_activity
from pingan.activities import load_activities
from pingan.cli import main as pingan
from pingan.deployment import load_deployment

SITE_URL = "https://site.example.org"


def published(app) -> dict[str, int]:
    """hutang: one ahead with 10 places (3 taken), one started, a draft; niutang: one ahead."""
    hutang, niutang = OfficeUser(app, "hutang"), OfficeUser(app, "niutang")
    ids = {
        "ahead": hutang.publish(places=10),
        "started": hutang.publish(starts_at=utcnow() - datetime.timedelta(hours=1)),
        "draft": hutang.write(publish_activity, _draft("hutang"), publish=False).id,
        "niutang": niutang.publish(places=5),
    }
    with app.app_context():
        for record in make_records(app, 3):
            claim_place(get_db_of(app), ids["ahead"], record)
    return ids


def _draft(unit: str) -> ActivityInput:
    start = utcnow() + datetime.timedelta(days=2)
    return ActivityInput(
        unit=unit,
        title="草稿",
        service_type="patrol",
        place="湖塘",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        places=4,
    )


def test_the_places_of_a_units_activities_ahead(office_app):
    app = office_app("wujin", SITE_URL=SITE_URL)
    ids = published(app)
    client = app.test_client()

    response = client.get("/api/v1/units/hutang/activities/places", headers={"Origin": SITE_URL})

    assert response.status_code == 200
    assert response.json == {
        "unit": "hutang",
        "activities": {str(ids["ahead"]): {"places": 10, "signed_up": 3, "places_left": 7}},
    }
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["Access-Control-Allow-Origin"] == SITE_URL
    everyone = client.get("/api/v1/activities/places").json
    assert everyone["unit"] is None
    assert set(everyone["activities"]) == {str(ids["ahead"]), str(ids["niutang"])}
    assert (
        "Access-Control-Allow-Origin"
        not in client.get(
            "/api/v1/activities/places", headers={"Origin": "https://elsewhere.example"}
        ).headers
    )
    missing = client.get("/api/v1/units/nowhere/activities/places")
    assert missing.status_code == 404 and missing.json["errors"][0]["message"]


def test_the_places_are_one_query_on_an_index(office_app):
    app = office_app("wujin")
    published(app)
    engine = get_db_of(app).engine
    statements: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "FROM activities" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        app.test_client().get("/api/v1/units/hutang/activities/places")
        app.test_client().get("/api/v1/activities/places")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 2
    plans = []
    with engine.connect() as connection:
        for statement, parameters in statements:
            if engine.dialect.name == "sqlite":
                rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                plans.append(" ".join(str(row[-1]) for row in rows))
            else:
                # A few rows: the planner would rather read the table; ask what it can use.
                connection.execute(text("SET enable_seqscan = off"))
                rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
                plans.append(" ".join(row[0] for row in rows))
    # Searched through an index, never a scan of the table (SQLite's own planner picks the
    # index whose leading columns the query fixes; PostgreSQL any index starting at them).
    assert all("SCAN activities" not in plan and "Seq Scan" not in plan for plan in plans), plans
    assert all("ix_activities_" in plan for plan in plans), plans
    if engine.dialect.name == "sqlite":
        assert "ix_activities_deployment_unit_starts" in plans[0], plans[0]


def test_the_build_input_holds_the_published_activities_and_no_person(
    office_app, monkeypatch, tmp_path
):
    app = office_app("wujin")
    ids = published(app)
    for key, env in [
        ("DATABASE_URL", "PINGAN_DATABASE_URL"),
        ("DATA_KEYS", "PINGAN_DATA_KEYS"),
        ("HMAC_KEY", "PINGAN_HMAC_KEY"),
        ("SECRET_KEY", "PINGAN_SECRET_KEY"),
        ("DATA_DIR", "PINGAN_DATA_DIR"),
    ]:
        monkeypatch.setenv(env, str(app.config[key]))
    out = tmp_path / "activities.json"

    assert pingan(["activities", "export", "--out", str(out)]) == 0

    activities = load_activities(out, load_deployment(app.config["DATA_DIR"]))
    by_id = {activity.id: activity for activity in activities}
    assert set(by_id) == {ids["ahead"], ids["started"], ids["niutang"]}  # no draft
    ahead = by_id[ids["ahead"]]
    assert (ahead.places, ahead.signed_up, ahead.places_left) == (10, 3, 7)
    assert ahead.service_type == "社会治安巡逻" and ahead.open_to == "unit"
    assert ahead.starts.utcoffset() == datetime.timedelta(hours=8)  # the service's zone
    text_of_file = out.read_text(encoding="utf-8")
    for personal in ("志愿者1", "Thutang000001", "hutang-reviewer-svc", "hmac-"):
        assert personal not in text_of_file
    keys = set(json.loads(text_of_file)["activities"][0])
    assert keys <= {
        *"id unit title content training service_type place starts ends places".split(),
        *"signed_up requirements open_to published example".split(),
    }


def test_an_activity_published_long_ago_is_left_out(office_app):
    app = office_app("wujin")
    office = OfficeUser(app, "hutang")
    old = office.publish(starts_at=utcnow() - datetime.timedelta(days=400))
    recent = office.publish(starts_at=utcnow() - datetime.timedelta(days=30))
    with app.app_context(), get_db_of(app).sessions() as session:
        document = activities_document(session, app.extensions["pingan_deployment"], "UTC")
    assert [item["id"] for item in document["activities"]] == [recent]
    assert old != recent


def test_publishing_queues_a_rebuild_whose_site_has_the_activity(office_app, office, tmp_path):
    # No runner in this process: the queued build stays where the test can count it.
    site = tmp_path / "site"
    app = office_app(
        "wujin", SITE_DIR=str(site), QUEUE_INLINE=False, PUBLIC_URL="https://forms.example.org"
    )
    hutang = office(app, "hutang")
    huey = get_queue(app).huey

    assert hutang.post("/office/activities/new", FORM).status_code == 303

    assert huey.pending_count() + huey.scheduled_count() == 1
    (activity,) = activities_of(app)
    with app.app_context():
        rebuild()  # what the queued task does
    built = page_of(site / "activity" / str(activity.id) / "index.html")
    assert built.select_one("h1").get_text(strip=True) == "春节前治安巡逻"
    button = built.select_one("a.pingan-signup-link")
    assert button["href"] == f"https://forms.example.org/volunteer/activities/{activity.id}"
    listing = page_of(site / "activities" / "index.html")
    assert listing.select_one(f'[data-activity="{activity.id}"]') is not None
    assert (tmp_path / "site.activities.json").is_file()


def page_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def test_the_demo_publishes_its_example_activity_once(office_app):
    app = office_app("wujin")
    with app.app_context():
        first = publish_example("命令行（demo）")
        again = publish_example("命令行（demo）")
    assert first.ok and "已发布示例活动“湖塘镇夜间社会治安巡逻（示例）”" in first.message
    assert again.ok and "未再发布" in again.message
    (activity,) = activities_of(app)
    assert (activity.example, activity.open_to, activity.state) == (True, "public", "published")
    assert activity.created_by is None
    assert "activity_publish" in audit_actions(app)
    with get_db_of(app).sessions() as session:
        assert session.scalar(select(Activity.places)) == 20
    # Open to the public: the service's own page offers sign-up.
    shown = page(app.test_client().get(f"/volunteer/activities/{activity.id}"))
    assert "湖塘镇夜间社会治安巡逻（示例）" in shown.select_one("h1").get_text()
    assert shown.select_one("#example").get_text().startswith("示例活动：为演示报名而设")
    assert shown.select_one("form[action$='/signup']") is not None


def test_a_newly_registered_volunteer_of_any_unit_signs_up_for_the_example(app, office, applicant):
    """What ``make demo`` promises: apply, be registered, sign up for the example."""
    with app.app_context():
        assert publish_example("命令行（demo）").ok
    (activity,) = activities_of(app)
    application = registered(app, office, applicant, unit="niutang")  # not 湖塘's own
    volunteer = Volunteer(app, application.volunteer_number, application.id_last4)

    response = volunteer.post(f"/volunteer/activities/{activity.id}/signup")

    assert response.status_code == 200
    assert "您已报名“湖塘镇夜间社会治安巡逻（示例）”" in page(response).get_text()
    counts = app.test_client().get("/api/v1/units/hutang/activities/places").json
    assert counts["activities"][str(activity.id)]["signed_up"] == 1
