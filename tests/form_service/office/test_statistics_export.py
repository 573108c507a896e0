"""``pingan statistics export``: the counts the site's charts read, from a real database.

Applications are stored through the form (SQLite and PostgreSQL), their submission times
set around midnight in China so the day each counts on is the service's, not UTC's; the
hours come from attendance rows of real activities and records.
"""

from __future__ import annotations

import datetime
import json

from applicants import ROOT
from offices import OfficeApplicant, get_db_of
from sqlalchemy import update

from form_service.models import Application
from form_service.statistics import statistics_document
from form_service.volunteer_models import Activity, Attendance, VolunteerRecord
from pingan.cli import main
from pingan.deployment import load_deployment
from pingan.statistics import Counts, load_statistics

COUNTY = ROOT / "examples" / "county-alliance"
UTC = datetime.UTC


def _at(app, application: Application, moment: datetime.datetime, **values) -> None:
    with get_db_of(app).write() as session:
        session.execute(
            update(Application)
            .where(Application.id == application.id)
            .values(submitted_at=moment, **values)
        )


def _applications(app) -> None:
    applicant = OfficeApplicant(app, "county-2026")
    # 2026-11-01 23:30 in China is 15:30 UTC: it counts on the 1st.
    first = applicant.stored(unit="kaifaqu", via="KFQ-0101")
    _at(app, first, datetime.datetime(2026, 11, 1, 15, 30, tzinfo=UTC))
    # 2026-11-01 16:30 UTC is 00:30 on the 2nd in China.
    second = applicant.stored(unit="kaifaqu", via="kfq-0102")
    _at(
        app,
        second,
        datetime.datetime(2026, 11, 1, 16, 30, tzinfo=UTC),
        stage="registered",
        volunteer_number="XJ2026000001",
    )
    third = applicant.stored(unit="qutang", via="QT-0101")
    _at(app, third, datetime.datetime(2026, 11, 1, 17, 0, tzinfo=UTC))
    # A withdrawn application is not counted per day, as in the live progress; the
    # station's count, as the office's grid-worker page, counts every application.
    gone = applicant.stored(unit="qutang", via="QT-0101")
    _at(app, gone, datetime.datetime(2026, 11, 1, 17, 0, tzinfo=UTC), stage="withdrawn")


def _hours(app) -> None:
    with get_db_of(app).write() as session:
        record = VolunteerRecord(
            deployment="county-alliance",
            id_hmac="a" * 64,
            volunteer_number="XJ2026000001",
            name="周示例",
            id_last4="0011",
            unit="kaifaqu-village",
        )
        session.add(record)
        # Starts on 1 October in China (30 September 16:30 UTC), and in November.
        starts = [
            datetime.datetime(2026, 9, 30, 16, 30, tzinfo=UTC),
            datetime.datetime(2026, 11, 5, 2, 0, tzinfo=UTC),
        ]
        for number, start in enumerate(starts):
            activity = Activity(
                deployment="county-alliance",
                unit="kaifaqu-village",
                title=f"巡逻{number}",
                service_type="patrol",
                place="村委会",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=2),
                minutes=120,
                places=10,
                state="published",
            )
            session.add(activity)
            session.flush()
            session.add(
                Attendance(
                    deployment="county-alliance",
                    activity_id=activity.id,
                    record_id=record.id,
                    unit="kaifaqu-village",
                    kind="activity",
                    service_type="patrol",
                    minutes=90 + number * 30,
                    points=1,
                )
            )


def test_counts_are_grouped_per_campaign_unit_and_day_in_china(office_app):
    app = office_app("wujin", DATA_DIR=str(COUNTY))
    _applications(app)
    _hours(app)
    deployment = load_deployment(COUNTY)
    with get_db_of(app).sessions() as session:
        document = statistics_document(
            session, deployment, "Asia/Shanghai", datetime.date(2026, 11, 30)
        )
    assert document["applications"] == [
        {
            "campaign": "county-2026",
            "unit": "kaifaqu",
            "day": "2026-11-01",
            "applications": 1,
            "registered": 0,
        },
        {
            "campaign": "county-2026",
            "unit": "kaifaqu",
            "day": "2026-11-02",
            "applications": 1,
            "registered": 1,
        },
        {
            "campaign": "county-2026",
            "unit": "qutang",
            "day": "2026-11-02",
            "applications": 1,
            "registered": 0,
        },
    ]
    assert document["volunteers"] == [{"unit": "kaifaqu-village", "volunteers": 1}]
    assert document["hours"] == [
        {"unit": "kaifaqu-village", "month": "2026-10", "minutes": 90},
        {"unit": "kaifaqu-village", "month": "2026-11", "minutes": 120},
    ]
    # Grid workers added up to their station; the office page's count (every application
    # through the code, registered = has its number).
    assert document["stations"] == [
        {"unit": "kaifaqu-community", "applications": 0, "registered": 0},
        {"unit": "kaifaqu-village", "applications": 2, "registered": 1},
        {"unit": "qutang-village", "applications": 2, "registered": 0},
    ]
    text = json.dumps(document, ensure_ascii=False)
    for worker in deployment.grid_workers:  # no grid worker leaves the service
        assert worker["code"] not in text and worker["name"] not in text
    assert "周示例" not in text


def test_the_command_writes_a_file_the_site_reads(office_app, tmp_path, monkeypatch, capsys):
    app = office_app("wujin", DATA_DIR=str(COUNTY), TODAY=datetime.date(2026, 11, 30))
    _applications(app)
    for key, env in [
        ("DATABASE_URL", "PINGAN_DATABASE_URL"),
        ("DATA_KEYS", "PINGAN_DATA_KEYS"),
        ("HMAC_KEY", "PINGAN_HMAC_KEY"),
        ("SECRET_KEY", "PINGAN_SECRET_KEY"),
    ]:
        monkeypatch.setenv(env, str(app.config[key]))
    out = tmp_path / "statistics.json"
    assert main(["statistics", "export", str(out), "--data-dir", str(COUNTY)]) == 0
    assert "已写入" in capsys.readouterr().err
    statistics = load_statistics(out, load_deployment(COUNTY))
    assert statistics.campaign_units("county-2026") == {
        "kaifaqu": Counts(2, 1),
        "qutang": Counts(1, 0),
    }
    assert statistics.station_ranking()[0] == ("kaifaqu-village", Counts(2, 1))
