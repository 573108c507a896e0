"""The HTML form: built from the campaign's fields, accessible, kept on error, escaped."""

from __future__ import annotations

import copy

import pytest
from applicants import CAMPAIGNS, Applicant, errors_of
from bs4 import BeautifulSoup

from form_service.forms import build_campaign_form
from pingan.campaigns import Campaign, campaign_fields


def page_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


@pytest.mark.parametrize("campaign", ["wujin-2026", "shanxi-2026", "expo-2026", "mixed-2026"])
def test_the_form_asks_exactly_the_campaigns_fields_in_order(make_app, campaign):
    app = make_app(CAMPAIGNS[campaign])
    deployment = app.extensions["pingan_deployment"]
    expected = [f["name"] for f in campaign_fields(deployment.campaigns[campaign], deployment)]
    page = page_of(app.test_client().get(f"/apply/{campaign}"))
    shown = [div["id"].removeprefix("field-") for div in page.select("form .field[id^=field-]")]
    fields = [name for name in shown if name not in ("declarations", "consent_notice")]
    fields = [name for name in fields if name != "consent_sensitive"]
    assert fields == expected


def test_the_page_is_chinese_and_every_input_has_a_label(client):
    response = client.get("/apply/wujin-2026")
    page = page_of(response)
    assert response.status_code == 200
    assert page.html["lang"] == "zh-CN"
    assert page.h1.get_text() == "平安志愿者注册申请"
    for control in page.select("form input, form select, form textarea"):
        if control.get("type") == "hidden":
            continue
        assert page.select_one(f"label[for={control['id']}]"), control
    assert page.select_one("label[for=input-id_number]").get_text(strip=True) == "身份证号码*"
    assert (
        page.select_one("label[for=input-unit]").get_text(strip=True) == "所在镇（开发区、街道）*"
    )


def test_choices_come_from_the_campaign(client):
    page = page_of(client.get("/apply/wujin-2026"))
    services = [label.get_text(strip=True) for label in page.select("#field-service_type label")]
    assert services[:2] == ["参与平安创建", "参与治安防范"] and len(services) == 7
    units = [option["value"] for option in page.select("#input-unit option") if option["value"]]
    assert len(units) == 21 and "hutang" in units and "hutang-village-a" not in units


def test_the_notice_and_the_separate_sensitive_consent_are_shown(client):
    page = page_of(client.get("/apply/wujin-2026"))
    assert page.select_one("input[name=notice_version]")["value"] == "wujin-2026-v1"
    assert "告知版本：wujin-2026-v1" in page.select_one(".consent").get_text()
    assert "身份证号码" in page.select_one("label[for=input-consent_sensitive]").get_text()
    assert page.select_one("#input-consent_notice") is not page.select_one(
        "#input-consent_sensitive"
    )


def test_unit_and_grid_worker_come_from_the_link(client):
    page = page_of(client.get("/apply/wujin-2026?unit=luoyang&via=GW-0012"))
    assert page.select_one("#input-unit option[selected]")["value"] == "luoyang"
    assert page.select_one("input[name=via]")["value"] == "GW-0012"
    page = page_of(client.get("/apply/wujin-2026?unit=nowhere&via=<b>"))
    assert page.select_one("#input-unit option[selected]") is None
    assert page.select_one("input[name=via]") is None


def test_values_are_kept_on_error_and_markup_stays_text(app):
    applicant = Applicant(app)
    id_number = applicant.next_id()
    response = applicant.submit(
        id_number=id_number,
        mobile="123",
        registration_address="<script>alert(1)</script>",
        availability=["周六"],
    )
    page = page_of(response)
    assert response.status_code == 422
    assert response.headers["Cache-Control"] == "no-store"
    assert page.select_one("#input-id_number")["value"] == id_number
    assert page.select_one("#input-registration_address")["value"] == "<script>alert(1)</script>"
    # The page's one script is the service's own file (长辈模式); nothing inline.
    assert page.select("script:not([src])") == []
    assert b"<script>alert" not in response.data
    checked = [box["value"] for box in page.select("#field-availability input[checked]")]
    assert checked == ["周六"]
    assert page.select_one("#input-consent_notice").has_attr("checked")


def test_the_confirmation_shows_the_reference_once_stored(app):
    applicant = Applicant(app)
    response = applicant.submit()
    assert response.status_code == 303
    done = applicant.client.get(response.headers["Location"])
    reference = page_of(done).select_one("#reference").get_text()
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    assert len(reference) == 11 and reference[5] == "-"


def test_the_confirmation_needs_the_session_that_applied(app):
    response = app.test_client().get("/apply/wujin-2026/done")
    assert response.status_code == 303 and response.headers["Location"].endswith("/status")


def test_a_post_without_the_csrf_token_is_refused(client):
    response = client.post("/apply/wujin-2026", data={"name": "张示例"})
    assert response.status_code == 400
    assert "页面已过期" in page_of(response).h1.get_text()


def test_an_unknown_campaign_is_404(client):
    assert client.get("/apply/no-such-campaign").status_code == 404


def test_a_closed_campaign_shows_no_form(make_app):
    client = make_app("shanxi-youth").test_client()
    page = page_of(client.get("/apply/shanxi-2014"))
    assert page.select_one("form") is None
    assert "已于 2014 年 12 月 31 日截止报名" in page.select_one(".notice-box").get_text()


def test_the_campaign_list_shows_open_campaigns(make_app):
    client = make_app("shanxi-youth").test_client()
    links = [a["href"] for a in page_of(client.get("/apply/")).select(".campaign-list a")]
    assert links == ["/apply/shanxi-2026"]


def test_an_error_page_for_a_posted_closed_campaign_names_it(make_app):
    response = Applicant(make_app("shanxi-youth"), "shanxi-2014").submit()
    assert list(errors_of(response)) == ["campaign"]


def test_the_notice_from_the_data_is_sanitised_as_strictly_as_the_site(app):
    """No images (they would be fetched from elsewhere), scripts or folded-line spaces."""
    deployment = app.extensions["pingan_deployment"]
    campaign = deployment.campaigns["wujin-2026"]
    data = copy.deepcopy(campaign.data)
    data["form"]["notice"] = (
        "我们收集您的\n信息。![跟踪](https://tracker.example/p.png)"
        '<script>alert(1)</script><img src="x" onerror="alert(1)">'
    )
    form = build_campaign_form(Campaign(data, campaign.file), deployment)
    notice = BeautifulSoup(form.notice_html, "html.parser")
    assert notice.select("img, script") == []
    assert notice.get_text().startswith("我们收集您的信息。")
