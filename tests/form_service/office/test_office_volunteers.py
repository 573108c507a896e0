"""The office's volunteer records (issue 11): list and read the scope's records, place a
volunteer in a unit, set the role, award points; award stars where the scheme rates so."""

from __future__ import annotations

from offices import page, reload
from test_volunteer_records import COUNTY, make_records, records_of


def registered(app, office, applicant):
    application = applicant.stored(unit="hutang")
    assert office(app, "hutang").decide(application, "approve").status_code == 303
    return reload(app, application.id)


def test_an_office_reads_places_and_rewards_its_volunteers(app, office, applicant):
    application = registered(app, office, applicant)
    hutang = office(app, "hutang", "administrator", username="hutang-admin")
    listing = page(hutang.get("/office/volunteers"))
    assert application.volunteer_number in listing.select_one("#volunteers").get_text()
    (record,) = records_of(app)
    url = f"/office/volunteers/{record.id}"
    assert hutang.post(f"{url}/place", {"unit": "hutang-village-a"}).status_code == 303
    assert hutang.post(f"{url}/role", {"role": "core"}).status_code == 303
    assert (
        hutang.post(f"{url}/points", {"award": "exemplary", "reason": "年度先进"}).status_code
        == 303
    )
    html = page(hutang.get(url))
    assert html.select_one("#record-unit").get_text() == "湖塘示例社区平安志愿者服务分队"
    assert html.select_one("#record-role").get_text() == "骨干志愿者"
    assert html.select_one("#record-points").get_text().startswith("50 分")
    assert "平安志愿者先进个人 50 分" in html.select_one("#point-awards").get_text()
    # Wujin rates by hours: there is no form to award stars, and a post is refused.
    assert html.select_one("#input-stars") is None
    hutang.post(f"{url}/stars", {"stars": "3", "reason": "很好"})
    flashes = page(hutang.get(url)).select(".flash")
    assert "本方案的星级按服务时长自动评定" in flashes[-1].get_text()
    assert records_of(app)[0].stars == 0


def test_a_volunteer_cannot_be_placed_outside_the_offices_scope(app, office, applicant):
    registered(app, office, applicant)
    (record,) = records_of(app)
    hutang = office(app, "hutang", "administrator", username="hutang-admin")
    response = hutang.post(f"/office/volunteers/{record.id}/place", {"unit": "niutang"})
    assert response.status_code == 404
    assert records_of(app)[0].unit == "hutang"


def test_another_office_finds_no_record(app, office, applicant):
    registered(app, office, applicant)
    (record,) = records_of(app)
    intruder = office(app, "niutang", "administrator")
    assert intruder.get(f"/office/volunteers/{record.id}").status_code == 404
    response = intruder.post(f"/office/volunteers/{record.id}/role", {"role": "core"})
    assert response.status_code == 404
    assert record.volunteer_number not in intruder.get("/office/volunteers").data.decode()


def test_the_county_office_awards_a_star_rating_with_its_reason(office_app, office):
    county = office_app("wujin", DATA_DIR=str(COUNTY))
    (volunteer,) = make_records(county, 1, unit="kaifaqu")
    account = office(county, "county", "administrator")
    url = f"/office/volunteers/{volunteer}"
    account.post(f"{url}/stars", {"stars": "4", "reason": " "})
    assert "评定星级须写明依据" in page(account.get(url)).select(".flash")[-1].get_text()
    assert (
        account.post(f"{url}/stars", {"stars": "4", "reason": "全年调解纠纷 20 起"}).status_code
        == 303
    )
    html = page(account.get(url))
    assert html.select_one("#record-stars").get_text() == "4 星（评定）"
    assert "评定为 4 星：全年调解纠纷 20 起" in html.select_one("#star-awards").get_text()
