"""Records → export rows: masking, derived sex and age, labels, lists, times."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from export_records import BIRTH, TODAY, RecordFactory
from hypothesis import given, settings
from hypothesis import strategies as st

from pingan.deployment import Deployment
from pingan.export.rows import LocalTime, RowMaker
from pingan.export.schema import (
    MASKED_ID_DESCRIPTION,
    ColumnError,
    export_schema,
    roster_schema,
)
from pingan.idnumber import compose_id_number


def row_of(record, campaign, deployment, columns, today=TODAY, **options) -> dict[str, str]:
    schema = export_schema(campaign, deployment, columns, **options)
    return dict(zip(schema.names, RowMaker(schema, today).row(record), strict=True))


@pytest.mark.parametrize(
    ("birth", "today", "age"),
    [
        (datetime.date(1990, 1, 1), datetime.date(2026, 10, 1), "36"),
        (datetime.date(2008, 10, 1), datetime.date(2026, 10, 1), "18"),  # eighteenth birthday today
        (datetime.date(2008, 10, 2), datetime.date(2026, 10, 1), "17"),  # one day short
        (datetime.date(2000, 2, 29), datetime.date(2026, 2, 28), "25"),
        (datetime.date(2000, 2, 29), datetime.date(2026, 3, 1), "26"),
    ],
)
def test_age_is_counted_on_the_export_date(
    birth: datetime.date,
    today: datetime.date,
    age: str,
    wujin: Deployment,
    make_record: RecordFactory,
):
    campaign = wujin.campaigns["wujin-2026"]
    record = make_record(campaign, wujin, id_number=compose_id_number("320412", birth, 123))
    assert row_of(record, campaign, wujin, ["age"], today=today) == {"age": age}


def test_sex_comes_from_the_order_code(wujin: Deployment, make_record: RecordFactory):
    campaign = wujin.campaigns["wujin-2026"]
    odd = make_record(campaign, wujin, id_number=compose_id_number("320412", BIRTH, 123))
    even = make_record(campaign, wujin, id_number=compose_id_number("320412", BIRTH, 124))
    assert row_of(odd, campaign, wujin, ["sex"]) == {"sex": "男"}
    assert row_of(even, campaign, wujin, ["sex"]) == {"sex": "女"}


def test_other_documents_take_sex_and_birth_date_from_the_answers(
    wujin: Deployment, make_record: RecordFactory
):
    campaign = wujin.campaigns["wujin-2026"]
    record = make_record(
        campaign,
        wujin,
        id_number="E12345678",
        answers={"id_type": "passport", "sex": "女", "birth_date": "2000-05-01"},
    )
    assert row_of(record, campaign, wujin, ["id_number", "sex", "age"]) == {
        "id_number": "E1*****78",  # as the office page masks it: the kind's one rule
        "sex": "女",
        "age": "26",
    }


def test_choices_are_written_as_their_labels(wujin: Deployment, make_record: RecordFactory):
    campaign = wujin.campaigns["wujin-2026"]
    record = make_record(
        campaign,
        wujin,
        stage="registered",
        answers={"service_type": "patrol", "availability": ["周六", "周日"]},
    )
    assert row_of(record, campaign, wujin, ["stage", "service_type", "availability"]) == {
        "stage": "综治办审核通过，成为注册的平安志愿者",
        "service_type": "参与治安防范",
        "availability": "周六、周日",
    }


def test_times_are_written_in_china_time(wujin: Deployment, make_record: RecordFactory):
    campaign = wujin.campaigns["wujin-2026"]
    naive_utc = datetime.datetime(2026, 9, 30, 17, 5, 9, 123456)  # as SQLite returns it
    record = make_record(campaign, wujin, submitted_at=naive_utc)
    assert row_of(record, campaign, wujin, ["submitted_at"]) == {
        "submitted_at": "2026-10-01T01:05:09+08:00"
    }


@given(
    st.lists(
        st.datetimes(
            min_value=datetime.datetime(1900, 1, 2),
            max_value=datetime.datetime(2100, 1, 1),
            timezones=st.none() | st.timezones(),
        ),
        min_size=1,
        max_size=8,
    ),
    st.timezones(),
)
@settings(max_examples=500, deadline=None)
def test_local_time_reads_as_astimezone_does(values: list[datetime.datetime], tz: datetime.tzinfo):
    """The offset kept per hour gives astimezone's text in every zone, transitions included,
    whether an hour is looked up afresh or kept from an earlier value."""
    local_time = LocalTime(tz)
    for value in [*values, *values]:
        utc = value.astimezone(datetime.UTC) if value.tzinfo else value.replace(tzinfo=datetime.UTC)
        assert local_time.text(value) == utc.astimezone(tz).isoformat(timespec="seconds")


@pytest.mark.parametrize(
    ("zone", "utc"),
    [
        ("America/New_York", datetime.datetime(2026, 3, 8, 6, 59, 59)),  # just before DST
        ("America/New_York", datetime.datetime(2026, 3, 8, 7, 0, 0)),  # its first second
        ("America/New_York", datetime.datetime(2026, 11, 1, 5, 30)),  # the repeated hour
        ("Australia/Lord_Howe", datetime.datetime(2026, 4, 4, 14, 45)),  # a half-hour shift
        ("Asia/Kolkata", datetime.datetime(1941, 9, 30, 18, 10)),  # +5:30 to +6:30 at 18:30
        ("Africa/Monrovia", datetime.datetime(1972, 1, 7, 0, 44, 30)),  # from -0:44:30 to UTC
        ("Europe/Amsterdam", datetime.datetime(1937, 6, 30, 22, 40, 28)),  # from +1:19:32
        ("Asia/Shanghai", datetime.datetime(1991, 9, 14, 17, 30, 0, 250)),  # its last DST
    ],
)
def test_local_time_around_transitions(zone: str, utc: datetime.datetime):
    tz = ZoneInfo(zone)
    local_time = LocalTime(tz)
    for value in (utc, utc - datetime.timedelta(minutes=30), utc + datetime.timedelta(minutes=30)):
        expected = value.replace(tzinfo=datetime.UTC).astimezone(tz).isoformat(timespec="seconds")
        assert local_time.text(value) == expected


def test_missing_values_are_written_empty(wujin: Deployment, make_record: RecordFactory):
    campaign = wujin.campaigns["wujin-2026"]
    record = make_record(campaign, wujin, volunteer_number=None)
    del record["answers"]["email"]
    assert row_of(record, campaign, wujin, ["volunteer_number", "email"]) == {
        "volunteer_number": "",
        "email": "",
    }


def test_boolean_fields_use_their_true_and_false_words(
    deployment: Deployment, make_record: RecordFactory
):
    for campaign in deployment.campaigns.values():
        if "health" not in campaign.field_names:
            continue
        yes = make_record(campaign, deployment, answers={"health": True})
        no = make_record(campaign, deployment, answers={"health": False})
        assert row_of(yes, campaign, deployment, ["health"]) == {"health": "健康"}
        assert row_of(no, campaign, deployment, ["health"]) == {"health": "未声明"}


def test_default_columns_put_sex_and_age_after_the_id_number(wujin: Deployment):
    names = export_schema(wujin.campaigns["wujin-2026"], wujin).names
    assert names[:4] == ["reference", "submitted_at", "stage", "volunteer_number"]
    assert names[names.index("id_number") + 1 : names.index("id_number") + 3] == ["sex", "age"]
    assert "birth_date" not in names


def test_birth_date_only_with_full_id_numbers(wujin: Deployment):
    campaign = wujin.campaigns["wujin-2026"]
    with pytest.raises(ColumnError, match="出生日期"):
        export_schema(campaign, wujin, ["birth_date"])
    full = export_schema(campaign, wujin, full_id_numbers=True)
    assert "birth_date" in full.names
    assert full.field("id_number").get("description") != MASKED_ID_DESCRIPTION


def test_every_enum_lists_exactly_what_is_written(deployment: Deployment):
    """For each choice field the enum is the labels written, unique, one per choice."""
    for campaign in deployment.campaigns.values():
        schema = export_schema(campaign, deployment)
        for name, labels in schema.labels.items():
            enum = schema.field(name)["constraints"]["enum"]
            assert enum == list(labels.values())
            assert len(set(enum)) == len(enum)


def test_roster_schema_follows_the_scheme(deployment: Deployment):
    for campaign in deployment.campaigns.values():
        schema, titles = roster_schema(campaign, deployment)
        assert titles == [c["title"] for c in campaign.data["roster"]["columns"]]
        assert schema.names == [c["field"] for c in campaign.data["roster"]["columns"]]
