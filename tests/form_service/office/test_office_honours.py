"""Honour nominations in the office pages (issue 12): nominate with consent and a public
notice, the status follows the notice dates on the app's frozen "today", withdraw with a
reason, everything audited, each office only within its own scope."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from offices import audit_events, get_db_of, page
from sqlalchemy import select

from form_service.honour_models import HonourNomination
from form_service.queue import get_queue
from pingan.cli import main as pingan
from pingan.deployment import load_deployment
from pingan.honours import honour_roll, load_decisions

TODAY = datetime.date(2026, 11, 23)  # the test apps' "today" (tests/form_service/applicants.py)
FORM = {
    "name": "赵示例",
    "unit": "hutang",
    "honour": "平安志愿者先进个人",
    "year": "2026",
    "deeds": "坚持夜间巡逻六年。\n协助调解邻里纠纷二十余起。",
    "consent_date": "2026-11-20",
    "consent_method": "书面",
    "notice_starts": "2026-11-25",
    "notice_ends": "2026-12-01",
    "objections": "公示期内如有异议，请向湖塘平安志愿者工作站反映，电话 0519-00000000。",
}


def nominations_of(app) -> list[HonourNomination]:
    with get_db_of(app).sessions() as session:
        return list(session.scalars(select(HonourNomination).order_by(HonourNomination.id)))


def status_shown(client, nomination_id: int) -> str:
    return page(client.get(f"/office/honours/{nomination_id}")).select_one("#status").get_text()


def test_a_nomination_is_under_notice_on_its_dates_and_then_awarded(app, office):
    assert app.config["TODAY"] == TODAY
    hutang = office(app, "hutang")
    response = hutang.post("/office/honours/new", FORM)
    assert response.status_code == 303, response.data.decode()[:2000]
    (nomination,) = nominations_of(app)
    assert response.headers["Location"].endswith(f"/office/honours/{nomination.id}")
    assert (nomination.unit, nomination.year, nomination.consent_method) == ("hutang", 2026, "书面")
    assert nomination.deeds == FORM["deeds"]
    for day, status in [
        (TODAY, "待公示"),
        (datetime.date(2026, 11, 25), "公示中"),
        (datetime.date(2026, 12, 1), "公示中"),
        (datetime.date(2026, 12, 2), "已授予"),
    ]:
        app.config["TODAY"] = day
        assert status_shown(hutang, nomination.id) == status, day
    listing = page(hutang.get("/office/honours"))
    row = listing.select_one("#nominations tbody tr")
    assert [cell.get_text(strip=True) for cell in row.select("td")] == [
        "赵示例",
        "2026 年度平安志愿者先进个人",
        "湖塘平安志愿者工作站",
        "2026-11-25 至 2026-12-01",
        "已授予",
    ]
    (event,) = audit_events(app, action="honour_nominate")
    assert event.unit == "hutang"
    assert event.detail == {
        "nomination": nomination.id,
        "nominee": "赵示例",
        "honour": "平安志愿者先进个人",
        "year": 2026,
        "consent": "2026-11-20 书面",
        "notice": "2026-11-25 至 2026-12-01",
    }


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"name": " "}, "name", "请填写姓名"),
        ({"honour": "=HYPERLINK(1)"}, "honour", "荣誉名称不能以 =、+、-、@ 开头"),
        ({"deeds": "x" * 2001}, "deeds", "事迹不能超过 2000 个字"),
        ({"objections": ""}, "objections", "请填写异议受理方式"),
        ({"year": "26"}, "year", "请填写年度，如 2026"),
        ({"year": "2029"}, "year", "年度应在 1990 至 2027 之间"),
        ({"consent_date": ""}, "consent_date", "请填写本人同意的日期，格式 YYYY-MM-DD"),
        ({"consent_date": "2026-11-24"}, "consent_date", "同意日期不能晚于今天"),
        ({"consent_method": "口头"}, "consent_method", "请选择同意方式"),
        ({"notice_ends": "2026-11-24"}, "notice_ends", "公示结束日期不能早于开始日期"),
        ({"notice_starts": "2026-11-19"}, "notice_starts", "公示须在本人同意之后开始"),
        ({"unit": "niutang"}, "unit", "请选择本单位或下级单位"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.isascii() else None,
)
def test_a_wrong_nomination_stores_nothing_and_says_why(app, office, changes, field, message):
    hutang = office(app, "hutang")
    response = hutang.post("/office/honours/new", {**FORM, **changes})
    assert response.status_code == 422
    shown = page(response)
    assert shown.select_one(f"#error-{field}").get_text().startswith(f"错误：{message}")
    assert shown.select_one("#nomination-errors a")["href"] == f"#input-{field}"
    assert nominations_of(app) == []
    assert audit_events(app, action="honour_nominate") == []


def test_withdrawing_needs_a_reason_and_is_audited(app, office):
    hutang = office(app, "hutang")
    hutang.post("/office/honours/new", FORM)
    (nomination,) = nominations_of(app)
    refused = hutang.post(f"/office/honours/{nomination.id}/withdraw", {"reason": "  "})
    assert refused.status_code == 303
    assert "请填写撤回的理由" in page(hutang.get(refused.headers["Location"])).get_text()
    app.config["TODAY"] = datetime.date(2026, 11, 26)
    response = hutang.post(f"/office/honours/{nomination.id}/withdraw", {"reason": "本人要求撤回"})
    assert response.status_code == 303
    shown = page(hutang.get(f"/office/honours/{nomination.id}"))
    assert shown.select_one("#status").get_text() == "已撤回"
    assert shown.select_one("#withdrawn-reason").get_text() == "本人要求撤回"
    assert shown.select_one("#withdraw-form") is None
    app.config["TODAY"] = datetime.date(2027, 1, 1)  # after the window: still withdrawn
    assert status_shown(hutang, nomination.id) == "已撤回"
    (event,) = audit_events(app, action="honour_withdraw")
    assert event.detail["status"] == "公示中" and event.detail["reason"] == "本人要求撤回"
    again = hutang.post(f"/office/honours/{nomination.id}/withdraw", {"reason": "再次"})
    assert "这个提名已经撤回" in page(hutang.get(again.headers["Location"])).get_text()
    assert len(audit_events(app, action="honour_withdraw")) == 1


def test_the_same_honour_is_nominated_once_until_withdrawn(app, office):
    hutang = office(app, "hutang")
    assert hutang.post("/office/honours/new", FORM).status_code == 303
    twice = hutang.post("/office/honours/new", FORM)
    assert twice.status_code == 422
    assert "赵示例已被提名为2026年度“平安志愿者先进个人”" in page(twice).get_text()
    spaced = {**FORM, "name": "赵 示例", "honour": "平安志愿者 先进个人"}
    assert hutang.post("/office/honours/new", spaced).status_code == 422
    (nomination,) = nominations_of(app)
    hutang.post(f"/office/honours/{nomination.id}/withdraw", {"reason": "材料有误"})
    assert hutang.post("/office/honours/new", FORM).status_code == 303
    assert len(nominations_of(app)) == 2


def test_an_office_sees_and_acts_only_within_its_scope(app, office):
    hutang, niutang, district = office(app, "hutang"), office(app, "niutang"), office(app, "wujin")
    hutang.post("/office/honours/new", FORM)
    niutang.post("/office/honours/new", {**FORM, "name": "钱示例", "unit": "niutang"})
    mine, theirs = nominations_of(app)
    assert hutang.get(f"/office/honours/{theirs.id}").status_code == 404
    response = hutang.post(f"/office/honours/{theirs.id}/withdraw", {"reason": "越权"})
    assert response.status_code == 404
    assert nominations_of(app)[1].withdrawn_at is None
    listed = page(hutang.get("/office/honours")).select("#nominations tbody tr")
    assert [row.select_one("td").get_text(strip=True) for row in listed] == ["赵示例"]
    form = page(hutang.get("/office/honours/new"))
    units = [option["value"] for option in form.select("#input-unit option")]
    assert "hutang" in units and "niutang" not in units and "wujin" not in units
    # The district office above both sees both and may act on either.
    listed = page(district.get("/office/honours")).select("#nominations tbody tr")
    assert sorted(row.select_one("td").get_text(strip=True) for row in listed) == [
        "赵示例",
        "钱示例",
    ]
    assert district.get(f"/office/honours/{mine.id}").status_code == 200


# --- the build input: pingan honours export → pingan.honours.honour_roll ---------------------


def export_decisions(app, monkeypatch, tmp_path) -> Path:
    """Run ``pingan honours export`` against the app's database, as cron would."""
    for key, env in [
        ("DATABASE_URL", "PINGAN_DATABASE_URL"),
        ("DATA_KEYS", "PINGAN_DATA_KEYS"),
        ("HMAC_KEY", "PINGAN_HMAC_KEY"),
        ("SECRET_KEY", "PINGAN_SECRET_KEY"),
        ("DATA_DIR", "PINGAN_DATA_DIR"),
    ]:
        monkeypatch.setenv(env, str(app.config[key]))
    out = tmp_path / "honours.json"
    assert pingan(["honours", "export", "--out", str(out)]) == 0
    return out


def test_the_site_shows_a_nomination_on_its_dates_and_never_a_withdrawn_one(
    app, office, monkeypatch, tmp_path
):
    hutang = office(app, "hutang")
    hutang.post("/office/honours/new", FORM)
    # The same person, honour and year as 张示例 in data/honours.yaml: one honour, which
    # the office then withdraws, so the YAML's entry disappears with it.
    twin = {**FORM, "name": "张示例", "year": "2025", "notice_starts": "2026-11-21"}
    assert hutang.post("/office/honours/new", twin).status_code == 303
    withdrawn = nominations_of(app)[1]
    hutang.post(f"/office/honours/{withdrawn.id}/withdraw", {"reason": "本人不愿公开"})
    out = export_decisions(app, monkeypatch, tmp_path)
    deployment = load_deployment(app.config["DATA_DIR"])
    decisions = load_decisions(out, deployment)
    assert [d["withdrawn"] for d in decisions] == [False, True]
    assert "reason" not in json.dumps(decisions, ensure_ascii=False)
    assert "本人不愿公开" not in out.read_text(encoding="utf-8")

    def names(day: datetime.date) -> tuple[list[str], list[str]]:
        roll = honour_roll(deployment, day, decisions)
        assert "zhang-demo" in roll.hidden_people
        return [h.name for h in roll.under_notice], [h.name for h in roll.awarded]

    yaml_only = ["李示例", "王示例"]  # awarded as written, whatever the day
    assert names(datetime.date(2026, 11, 24)) == ([], yaml_only)
    assert names(datetime.date(2026, 11, 25)) == (["赵示例"], yaml_only)
    assert names(datetime.date(2026, 12, 1)) == (["赵示例"], yaml_only)
    assert names(datetime.date(2026, 12, 2)) == ([], ["赵示例", *yaml_only])
    (shown,) = honour_roll(deployment, datetime.date(2026, 11, 26), decisions).under_notice
    assert (shown.notice_starts, shown.notice_ends) == (
        datetime.date(2026, 11, 25),
        datetime.date(2026, 12, 1),
    )
    assert shown.objections == FORM["objections"] and shown.story == FORM["deeds"]
    assert shown.unit == "hutang" and shown.id == f"nominated-{nominations_of(app)[0].id}"


def test_nominating_and_withdrawing_queue_a_rebuild_of_the_served_site(
    office_app, office, tmp_path
):
    # No runner in this process: the queued build stays where the test can count it (a
    # runner moves a delayed task from the queue to the schedule, and in between both
    # counts read 0).
    app = office_app("wujin", SITE_DIR=str(tmp_path / "site"), QUEUE_INLINE=False)
    hutang = office(app, "hutang")
    huey = get_queue(app).huey
    assert hutang.post("/office/honours/new", FORM).status_code == 303
    assert huey.pending_count() + huey.scheduled_count() == 1
    (nomination,) = nominations_of(app)
    hutang.post(f"/office/honours/{nomination.id}/withdraw", {"reason": "本人要求撤回"})
    # Booked already: the decisions of a few seconds build once.
    assert huey.pending_count() + huey.scheduled_count() == 1
