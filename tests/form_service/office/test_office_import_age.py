"""Age in imports: an office admits exceptions only where the document's range is "in principle".

The expo town's range is 原则上 18–65 周岁，可根据实际情况适当放宽: the public form applies
it and sends people above it to the office; the office's import admits them and says so in
the review history. Minors are refused everywhere; Shanxi's strict 18–45 holds in imports.
"""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
from applicants import birthday_for_age, errors_of
from offices import OfficeApplicant, audit_events, get_db_of, page
from sqlalchemy import func, select

from form_service.models import Application
from form_service.office.imports import AGE_EXCEPTION
from pingan.export.roster_import import template_fields

EXPO_CONTACT = "联系方式：某镇世博安保志愿者服务工作办公室"


def roster_of(app, campaign: str, answers: list[dict]) -> bytes:
    """A CSV roster with the campaign's template columns (by field name) for these answers."""
    deployment = app.extensions["pingan_deployment"]
    specs = [spec for _, spec in template_fields(deployment.campaigns[campaign], deployment)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spec["name"] for spec in specs])
    for row in answers:
        cells = []
        for spec in specs:
            value = row.get(spec["name"], "")
            if value is True:
                value = spec["trueValues"][0]
            elif isinstance(value, list):
                value = "、".join(value)
            cells.append(value)
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8-sig")


def upload(account, unit: str, campaign: str, data: bytes):
    form = [("campaign", campaign), ("consent", "1"), ("roster", (io.BytesIO(data), "r.csv"))]
    return account.post(f"/office/units/{unit}/import", form, content_type="multipart/form-data")


def report(response) -> list[str]:
    return [item.get_text() for item in page(response).select(".import-report li")]


def imported(app) -> list[Application]:
    with get_db_of(app).sessions() as session:
        return list(session.scalars(select(Application).where(Application.channel == "import")))


def stored(app) -> int:
    with get_db_of(app).sessions() as session:
        return session.scalar(select(func.count()).select_from(Application))


def person(applicant: OfficeApplicant, age: int, unit: str) -> dict:
    """Valid answers of someone *age* years old today, for the applicant's campaign."""
    id_number = applicant.next_id(birth=birthday_for_age(age))
    return applicant.answers(unit=unit, id_number=id_number)


def test_a_66_year_old_refused_online_is_admitted_by_the_offices_import(office_app, office):
    app = office_app("expo-town")
    applicant = OfficeApplicant(app, "expo-2026")
    answers = person(applicant, 66, "committee-1")

    online = applicant.submit(**answers)
    assert online.status_code == 422
    message = errors_of(online)["id_number"]
    assert "18–65 周岁" in message and "您现在 66 周岁" in message
    assert EXPO_CONTACT in message
    assert stored(app) == 0

    account = office(app, "expo-town")
    response = upload(account, "expo-town", "expo-2026", roster_of(app, "expo-2026", [answers]))
    assert response.status_code == 303, report(response)
    flashed = page(account.get(response.headers["Location"])).get_text()
    assert f"已导入 1 份报名，其中 1 人{AGE_EXCEPTION}。" in flashed
    (application,) = imported(app)
    assert application.stage == "submitted"

    detail = page(account.get(f"/office/applications/{application.id}"))
    assert [e.get_text(" ", strip=True) for e in detail.select(".events li")][0].endswith(
        f"原因：{AGE_EXCEPTION}"
    )
    (event,) = audit_events(app, action="import")
    assert event.detail["age_exceptions"] == 1


def test_the_export_of_an_admitted_exception_is_an_ordinary_row(office_app, office, tmp_path):
    app = office_app("expo-town")
    applicant = OfficeApplicant(app, "expo-2026")
    account = office(app, "expo-town")
    rows = [person(applicant, 66, "committee-1"), person(applicant, 40, "committee-1")]
    response = upload(account, "expo-town", "expo-2026", roster_of(app, "expo-2026", rows))
    assert response.status_code == 303, report(response)
    export = account.get("/office/units/expo-town/export.zip?campaign=expo-2026")
    assert export.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    sheet = openpyxl.load_workbook(io.BytesIO(archive.read("roster.xlsx"))).worksheets[0]
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    campaign = app.extensions["pingan_deployment"].campaigns["expo-2026"]
    assert table[0] == [column["title"] for column in campaign.data["roster"]["columns"]]
    ages = sorted(row[table[0].index("年龄")] for row in table[1:])
    assert ages == [40, 66]  # numbers in the roster, as Excel sums them
    assert AGE_EXCEPTION not in archive.read("expo-2026.csv").decode("utf-8-sig")


def test_only_rows_above_the_stated_maximum_are_marked_as_exceptions(office_app, office):
    app = office_app("expo-town")
    applicant = OfficeApplicant(app, "expo-2026")
    account = office(app, "expo-town")
    rows = [person(applicant, 65, "committee-1"), person(applicant, 18, "committee-2")]
    response = upload(account, "expo-town", "expo-2026", roster_of(app, "expo-2026", rows))
    assert response.status_code == 303, report(response)
    for application in imported(app):
        detail = page(account.get(f"/office/applications/{application.id}"))
        assert AGE_EXCEPTION not in detail.select_one(".events").get_text()
    (event,) = audit_events(app, action="import")
    assert "age_exceptions" not in event.detail


def test_a_17_year_old_is_refused_online_and_in_an_import(office_app, office):
    app = office_app("expo-town")
    applicant = OfficeApplicant(app, "expo-2026")
    answers = person(applicant, 17, "committee-1")

    online = applicant.submit(**answers)
    assert online.status_code == 422
    assert "报名须年满 18 周岁" in errors_of(online)["id_number"]

    account = office(app, "expo-town")
    response = upload(account, "expo-town", "expo-2026", roster_of(app, "expo-2026", [answers]))
    assert response.status_code == 422
    (problem,) = report(response)
    assert problem.startswith("第 2 行") and "报名须年满 18 周岁" in problem
    assert stored(app) == 0


def test_shanxis_strict_range_refuses_a_46_year_old_in_an_import_too(office_app, office):
    app = office_app("shanxi-youth")
    applicant = OfficeApplicant(app, "shanxi-2026")
    account = office(app, "taiyuan")
    good, old = person(applicant, 45, "taiyuan"), person(applicant, 46, "taiyuan")

    response = upload(account, "taiyuan", "shanxi-2026", roster_of(app, "shanxi-2026", [old]))
    assert response.status_code == 422
    (problem,) = report(response)
    assert "18–45 周岁" in problem and "您现在 46 周岁" in problem
    assert "放宽" not in problem
    assert stored(app) == 0

    response = upload(account, "taiyuan", "shanxi-2026", roster_of(app, "shanxi-2026", [good]))
    assert response.status_code == 303, report(response)
    assert stored(app) == 1


def test_the_import_page_tells_the_office_which_ranges_it_may_relax(office_app, office):
    expo = office_app("expo-town")
    notice = page(office(expo, "expo-town").get("/office/units/expo-town/import"))
    assert "护楼平安志愿者招募公告（2026 年）" in notice.select_one("#age-exceptions").get_text()
    assert AGE_EXCEPTION in notice.select_one("#age-exceptions").get_text()
