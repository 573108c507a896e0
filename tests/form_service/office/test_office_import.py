"""Directed recruitment imports: all or nothing, every bad cell reported, duplicates found."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
from applicants import make_id
from offices import audit_actions, get_db_of, page
from sqlalchemy import func, select

from form_service.models import Application
from pingan.export.roster_import import template_fields

OLD = datetime.date(1956, 3, 1)  # 70 on the test day: over the expo town's open 65


def roster_csv(rows: list[dict[str, str]], headers: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return buffer.getvalue().encode("utf-8-sig")


def upload(account, unit: str, campaign: str, data: bytes, name="roster.csv", **fields):
    form = [("campaign", campaign), ("consent", "1"), *fields.items()]
    form.append(("roster", (io.BytesIO(data), name)))
    return account.post(f"/office/units/{unit}/import", form, content_type="multipart/form-data")


def count(app, **where) -> int:
    with get_db_of(app).sessions() as session:
        query = select(func.count()).select_from(Application)
        for key, value in where.items():
            query = query.where(getattr(Application, key) == value)
        return session.scalar(query)


def report(response) -> list[str]:
    return [item.get_text() for item in page(response).select(".import-report li")]


def wujin_headers(app) -> list[str]:
    deployment = app.extensions["pingan_deployment"]
    return [title for title, _ in template_fields(deployment.campaigns["wujin-2026"], deployment)]


def wujin_row(seq: int, **changes: str) -> dict[str, str]:
    row = {
        "姓名": "李示例",
        "身份证号": make_id(datetime.date(1988, 2, 3), "320412", seq),
        "手机号码": "13900139000",
        "镇（开发区、街道）": "湖塘",
        "注册地址": "湖塘镇示例社区",
        "服务类型": "参与治安防范",
        "服务时间": "周六、周日",
    }
    row.update(changes)
    return row


def test_a_good_roster_is_stored_whole_with_channel_import(app, office):
    account = office(app, "wujin")
    rows = [wujin_row(seq) for seq in range(1, 6)]
    response = upload(account, "wujin", "wujin-2026", roster_csv(rows, wujin_headers(app)))
    assert response.status_code == 303, report(response)
    assert count(app, channel="import", unit="hutang", stage="submitted") == 5
    assert audit_actions(app, action="import") == ["import"]


def test_a_roster_with_errors_in_several_rows_stores_nothing_and_names_each_cell(app, office):
    account = office(app, "wujin")
    headers = wujin_headers(app)
    bad_id = make_id(datetime.date(1988, 2, 3), "320412", 7)[:-1] + "0"
    rows = [
        wujin_row(1),
        wujin_row(2, 身份证号=bad_id if not bad_id.endswith("0") else bad_id[:-1] + "1"),
        wujin_row(3, 手机号码="1234"),
        wujin_row(4, 姓名='=HYPERLINK("http://example.com","点我")'),
        wujin_row(5, 服务类型="扫雪"),
    ]
    response = upload(account, "wujin", "wujin-2026", roster_csv(rows, headers))
    assert response.status_code == 422
    problems = report(response)
    letter = {title: chr(ord("A") + i) for i, title in enumerate(headers)}
    assert [p.split("：")[0] for p in problems] == [
        f"第 3 行 {letter['身份证号']} 列（身份证号）",
        f"第 4 行 {letter['手机号码']} 列（手机号码）",
        f"第 5 行 {letter['姓名']} 列（姓名）",
        f"第 6 行 {letter['服务类型']} 列（服务类型）",
    ]
    assert "校验位" in problems[0]
    assert count(app) == 0


def test_duplicates_within_the_file_and_against_stored_applications_are_reported(
    app, office, applicant
):
    account = office(app, "wujin")
    online = applicant.stored(unit="hutang")
    with app.app_context():
        from form_service.context import cipher

        online_id = cipher().decrypt(online.id_encrypted)
    rows = [
        wujin_row(1),
        wujin_row(2),
        wujin_row(1, 姓名="王示例"),
        wujin_row(9, 身份证号=online_id),
    ]
    response = upload(account, "wujin", "wujin-2026", roster_csv(rows, wujin_headers(app)))
    assert response.status_code == 422
    problems = report(response)
    assert any(p.startswith("第 4 行") and "与第 2 行是同一个证件号码" in p for p in problems)
    assert any(p.startswith("第 5 行") and "已报名本次招募" in p for p in problems)
    assert count(app) == 1


def test_the_import_applies_the_forms_rule_on_applying_twice(app, office, applicant):
    """One rule (pingan.duplicates): a rejected applicant may be filed again, a pending one
    is refused in the words the online form uses."""
    account = office(app, "wujin")
    rejected, pending = applicant.stored(unit="hutang"), applicant.stored(unit="hutang")
    account.decide(rejected, "reject", reason="注册地址不详，请补充到村")
    with app.app_context():
        from form_service.context import cipher

        numbers = [cipher().decrypt(a.id_encrypted) for a in (rejected, pending)]
    online = applicant.submit(id_number=numbers[1])
    online_message = page(online).select_one("#field-id_number .error-message").get_text()
    rows = [wujin_row(1, 身份证号=numbers[0]), wujin_row(2, 身份证号=numbers[1])]
    response = upload(account, "wujin", "wujin-2026", roster_csv(rows, wujin_headers(app)))
    assert response.status_code == 422
    (problem,) = report(response)
    assert problem.startswith("第 3 行")
    assert problem.split("：", 1)[1] in online_message
    response = upload(account, "wujin", "wujin-2026", roster_csv(rows[:1], wujin_headers(app)))
    assert response.status_code == 303
    assert count(app) == 3 and count(app, stage="rejected") == 1


def test_a_directed_category_skips_the_open_recruitments_residence_condition(office_app, office):
    """The age above 65 is no problem in either category: the town's range is in principle,
    and its office admits exceptions on import (see test_office_import_age)."""
    app = office_app("expo-town")
    account = office(app, "expo-town")
    headers = [
        "姓名",
        "证件类型",
        "证件号码",
        "户籍或居住情况",
        "手机号码",
        "居委会",
        "服务项目",
        "服务时间",
    ]
    row = {
        "姓名": "赵示例",
        "证件类型": "居民身份证",
        "证件号码": make_id(OLD, "310112", 5),
        "手机号码": "13700137000",
        "居委会": "示例一居委",
        "服务项目": "驻点守护",
        "服务时间": "周一",
    }
    data = roster_csv([row], headers)
    refused = upload(account, "expo-town", "expo-2009", data, category="building-guards")
    assert refused.status_code == 422
    assert [p.split("：")[0] for p in report(refused)] == ["第 2 行 D 列（户籍或居住情况）"]

    accepted = upload(account, "expo-town", "expo-2009", data, category="government-staff")
    assert accepted.status_code == 303, report(accepted)
    assert count(app, category="government-staff", channel="import") == 1


def test_the_category_column_of_a_mixed_campaign_decides_each_rows_rules(office_app, office):
    app = office_app("directed-town")
    account = office(app, "test-town")
    headers = ["name", "id_number", "mobile", "unit", "category"]
    rows = [
        {
            "name": "钱示例",
            "id_number": make_id(OLD, "310112", 1),
            "mobile": "13600136000",
            "unit": "test-committee",
            "category": "government-staff",
        },
        {
            "name": "孙示例",
            "id_number": make_id(datetime.date(2010, 1, 1), "310112", 2),
            "mobile": "13600136001",
            "unit": "test-committee",
            "category": "government-staff",
        },
    ]
    response = upload(account, "test-town", "mixed-2026", roster_csv(rows, headers))
    assert response.status_code == 422
    assert [p.split("：")[0] for p in report(response)] == ["第 3 行 B 列（身份证号码）"]


def test_a_roster_with_unknown_columns_is_refused_before_any_row(app, office):
    account = office(app, "wujin")
    data = roster_csv([wujin_row(1)], [*wujin_headers(app), "备注"])
    response = upload(account, "wujin", "wujin-2026", data)
    assert response.status_code == 422
    assert "“备注”不是这份名单的列" in report(response)[0]


def test_the_template_roster_has_the_schemes_columns_as_text(app, office):
    account = office(app, "hutang")
    response = account.get("/office/campaigns/wujin-2026/roster-template.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers == wujin_headers(app)
    assert headers[:2] == ["姓名", "身份证号"]
    assert sheet.cell(row=2, column=2).number_format == "@"


def test_a_filled_in_template_imports(app, office):
    account = office(app, "wujin")
    template = account.get("/office/campaigns/wujin-2026/roster-template.xlsx").data
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    row = wujin_row(3, 身份证号=make_id(datetime.date(1990, 1, 1), "320412", 3)[:-1])
    row["身份证号"] = make_id(datetime.date(1990, 1, 1), "320412", 3)
    for column, header in enumerate(headers, start=1):
        sheet.cell(row=2, column=column, value=row.get(header))
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(account, "wujin", "wujin-2026", buffer.getvalue(), name="roster.xlsx")
    assert response.status_code == 303, report(response)
    assert count(app, channel="import") == 1


def test_an_office_cannot_import_into_another_units_scope(app, office):
    account = office(app, "niutang")
    rows = [wujin_row(1)]
    assert (
        upload(account, "hutang", "wujin-2026", roster_csv(rows, wujin_headers(app))).status_code
        == 404
    )
    response = upload(account, "niutang", "wujin-2026", roster_csv(rows, wujin_headers(app)))
    assert response.status_code == 422
    assert "镇（开发区、街道）" in report(response)[0]
    assert count(app) == 0


def test_an_import_confirms_the_consent_collected_on_paper(app, office):
    account = office(app, "wujin")
    data = roster_csv([wujin_row(1)], wujin_headers(app))
    form = [("campaign", "wujin-2026"), ("roster", (io.BytesIO(data), "r.csv"))]
    response = account.post("/office/units/wujin/import", form, content_type="multipart/form-data")
    assert response.status_code == 422
    assert count(app) == 0
