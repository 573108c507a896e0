"""Nominating from volunteers' records (issue 12): the office finds a volunteer of its
scope by number or name (ID masked), the nomination takes the record's name and unit and
links it, and the decisions export carries the record's recorded stars, points and
minutes (issue 11: the honour roll shows recorded figures). A record outside the scope is
not found; a nominee typed by hand stays possible."""

from __future__ import annotations

import datetime

from offices import audit_events, page
from test_office_honours import FORM, export_decisions, nominations_of
from test_volunteer_records import COUNTY, HOUR, PAST, OfficeUser, make_records, records_of

from form_service.volunteers import record_attendance
from pingan.deployment import load_deployment
from pingan.honours import honour_roll, load_decisions

#: A day inside FORM's public-notice window.
NOMINATION_DAY = datetime.date(2026, 11, 26)
NOMINATION = {key: value for key, value in FORM.items() if key not in ("name", "unit")}


def test_the_county_nominates_a_recorded_volunteer_and_the_export_carries_the_figures(
    office_app, office, monkeypatch, tmp_path
):
    county = office_app("wujin", DATA_DIR=str(COUNTY))
    first, second = make_records(county, 2, unit="kaifaqu")
    account = office(county, "county", "administrator")
    assert (
        account.post(
            f"/office/volunteers/{first}/stars", {"stars": "4", "reason": "全年调解纠纷 20 起"}
        ).status_code
        == 303
    )
    account.post(f"/office/volunteers/{first}/points", {"award": "case-report", "reason": "报送"})
    organiser = OfficeUser(county, "kaifaqu", "administrator")
    activity = organiser.publish(service_type="professional", place="开发区", starts_at=PAST)
    organiser.write(record_attendance, activity, {first: 3 * HOUR + 30})

    found = page(account.get("/office/honours/new", query_string={"q": "志愿者1"}))
    (row,) = found.select("#records-found tbody tr")
    assert "T" + "kaifaqu000001" in row.get_text()
    assert "**************0001" in row.get_text()  # the ID number masked: last four only
    by_number = page(account.get("/office/honours/new", query_string={"q": "Tkaifaqu000002"}))
    assert len(by_number.select("#records-found tbody tr")) == 1
    picked = page(account.get(row.select_one("a")["href"]))
    assert "志愿者1" in picked.select_one("#picked-record").get_text()
    assert picked.select_one("#input-name") is None  # name and unit come from the record

    # Typed name and unit are ignored: the record decides who is nominated.
    response = account.post(
        "/office/honours/new",
        {**NOMINATION, "record": str(first), "name": "别人", "unit": "gaoxinqu"},
    )
    assert response.status_code == 303, response.data.decode()[:2000]
    (nomination,) = nominations_of(county)
    assert (nomination.record_id, nomination.name, nomination.unit) == (first, "志愿者1", "kaifaqu")
    (event,) = audit_events(county, action="honour_nominate")
    assert event.detail["record"] == first and event.unit == "kaifaqu"
    shown = page(account.get(f"/office/honours/{nomination.id}"))
    assert shown.select_one("#nomination-record a")["href"].endswith(f"/volunteers/{first}")

    # By hand still works, and links nothing.
    by_hand = {**NOMINATION, "name": "手工示例", "unit": "kaifaqu"}
    assert account.post("/office/honours/new", by_hand).status_code == 303
    assert nominations_of(county)[1].record_id is None

    record = {r.id: r for r in records_of(county)}[first]
    assert (record.stars, record.star_source, record.minutes) == (4, "awarded", 210)
    assert record.points > 0
    out = export_decisions(county, monkeypatch, tmp_path)
    deployment = load_deployment(COUNTY)
    decisions = load_decisions(out, deployment)
    assert decisions[0]["record"] == {
        "stars": 4,
        "star_source": "awarded",
        "points": record.points,
        "minutes": 210,
    }
    assert "record" not in decisions[1]
    (honour,) = [
        h for h in honour_roll(deployment, NOMINATION_DAY, decisions).under_notice if h.record
    ]
    assert (honour.stars, honour.points, honour.hours) == (4, record.points, "3.5")
    # A withdrawn nomination carries no figures.
    account.post(f"/office/honours/{nomination.id}/withdraw", {"reason": "本人要求"})
    withdrawn = load_decisions(export_decisions(county, monkeypatch, tmp_path), deployment)
    assert "record" not in withdrawn[0] and withdrawn[0]["withdrawn"]
    assert second  # the other record was never nominated


def test_a_record_outside_the_scope_is_not_found(office_app, office):
    county = office_app("wujin", DATA_DIR=str(COUNTY))
    (theirs,) = make_records(county, 1, unit="gaoxinqu")
    kaifaqu = office(county, "kaifaqu", "administrator")
    assert kaifaqu.get("/office/honours/new", query_string={"record": theirs}).status_code == 404
    for wrong in ("x", "²", "99999999999999999999"):
        response = kaifaqu.get("/office/honours/new", query_string={"record": wrong})
        assert response.status_code == 404, wrong
    response = kaifaqu.post(
        "/office/honours/new", {**NOMINATION, "record": str(theirs), "unit": "kaifaqu"}
    )
    assert response.status_code == 404
    assert nominations_of(county) == []
    searched = page(kaifaqu.get("/office/honours/new", query_string={"q": "志愿者1"}))
    assert searched.select_one("#records-found") is None
    assert searched.select_one("#records-none") is not None
