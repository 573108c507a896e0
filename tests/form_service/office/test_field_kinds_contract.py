"""One contract over every field of the catalogue and every kind of answer.

For each field of a campaign that asks them all (tests/form_service/data/every-field):
each accepted answer is stored through the HTML form, the JSON API and an office's roster
import; each refused answer is refused by all three with the same message naming the
field; and the export of everything stored is a package that validates. A kind added in
pingan/fields.py without samples here fails ``test_every_kind_has_samples``.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from applicants import errors_of, stored
from frictionless import Package
from offices import Office, OfficeApplicant, page

from pingan.export.roster_import import template_fields
from pingan.fields import KINDS, kind_of
from pingan.idnumber import parse_id_number

pytestmark = pytest.mark.slow

EVERY_FIELD = Path(__file__).resolve().parents[1] / "data" / "every-field"
CAMPAIGN = "every-2026"
BIRTH = datetime.date(1990, 5, 17)

#: kind → (accepted answers, refused (answer, words of the message)). Choice kinds take
#: their samples from the field's own choices (see ``_samples``).
KIND_SAMPLES: dict[str, tuple[list[Any], list[tuple[Any, str]]]] = {
    "text": (["湖塘镇示例社区", "Zoë 路 1 号", "  前后有空格  "], [("=SUM(A1)", "不能以")]),
    "long_text": (["急救\n驾驶", "擅长 Excel"], [("@所有人", "不能以"), ("a\x00b", "控制字符")]),
    "skills": (["急救\n驾驶", "擅长 Excel"], [("@所有人", "不能以"), ("a\x00b", "控制字符")]),
    "person_name": (["张三", "阿依古丽·买买提", "Zoë Li"], [("张3", "只能包含")]),
    "choice": ([], [("not-a-choice", "不在可选范围内")]),
    "choices": ([], [(["not-a-choice"], "不在可选范围内")]),
    "yes_no": ([True, False], []),
    "date": (["1990-05-17", "1990-05"], [("1990-13-01", "不是有效日期"), ("17/05/1990", "格式")]),
    "id_number": ([], [("320412199005171230", "校验位不正确")]),
    "mobile": (["13912345678", "139 1234 5678", "+86 139-1234-5678"], [("13912345abc", "数字")]),
    "landline": (["0519-86123456", "(0519) 8612 3456"], [("8612345", "有效的电话号码")]),
    "email": (
        ["zhang@example.com", "li.si+tag@mail.example.cn"],
        [
            ("zhang@example..com", "格式不正确"),
            ("=1+2@x.co", "不能以"),
            ("no-at-sign", "格式不正确"),
        ],
    ),
    "qq": (["12345678"], [("0123", "不以 0 开头")]),
    "grid_worker_code": (["GW-0012"], [("G", "应为 2–20 位")]),
}


def test_every_kind_has_samples():
    assert set(KIND_SAMPLES) == set(KINDS)


@pytest.fixture
def every_app(office_app):
    return office_app("wujin", DATA_DIR=str(EVERY_FIELD))


def _fields(app) -> list:
    return app.extensions["pingan_forms"][CAMPAIGN].fields


def _field_names() -> list[str]:
    campaign = yaml.safe_load((EVERY_FIELD / "campaigns" / f"{CAMPAIGN}.yaml").read_text("utf-8"))
    return [f["field"] if isinstance(f, dict) else f for f in campaign["form"]["fields"]]


FIELD_NAMES = _field_names()


def _samples(field, applicant: OfficeApplicant):
    """(accepted, refused) answers for *field*, with what the identity rule needs."""
    accepted, refused = KIND_SAMPLES[field.kind.name]
    if field.kind.name == "choice":
        accepted = list(field.values)
    elif field.kind.name == "choices":
        accepted = [field.values[:1], field.values[:2]]
    if field.choices_from == "units":
        refused = [("not-a-unit", "请从列表中选择")]
    if field.name == "id_type":
        accepted = ["resident_id"]  # other documents need their own numbers: see test_json_api
    if field.name == "sex":
        accepted, refused = ["__id_sex__"], [("__other_sex__", "与身份证号码不符")]
    if field.name == "birth_date":
        refused = [*refused, ("1991-05-17", "与身份证号码不符")]
    if field.name == "id_number":
        accepted = ["__fresh_id__", "__fresh_id_lowercase__"]
    return accepted, refused


def _answers(applicant: OfficeApplicant, name: str, value: Any) -> dict[str, Any]:
    """Valid answers with *name* set to *value* (placeholders resolved against the ID)."""
    id_number = applicant.next_id(BIRTH)
    answers: dict[str, Any] = {"id_number": id_number, "via": "GW-01"}
    sex = parse_id_number(id_number, datetime.date(2026, 11, 23)).sex
    if value == "__id_sex__":
        value = sex
    elif value == "__other_sex__":
        value = "女" if sex == "男" else "男"
    elif value == "__fresh_id__":
        value = id_number
    elif value == "__fresh_id_lowercase__":
        value = id_number.lower()
    answers[name] = value
    return answers


def _form_refuses(applicant, answers) -> bool:
    """Whether a browser can send this answer: the HTML form holds only text and checkboxes."""
    return all(isinstance(v, (str, list)) for v in answers.values())


def _cell(field, value: Any, deployment) -> str:
    if isinstance(value, list):
        labels = dict(field.choices or [])
        return "、".join(labels.get(item, item) for item in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _import(office: Office, app, answers: dict[str, Any]):
    deployment = app.extensions["pingan_deployment"]
    campaign = deployment.campaigns[CAMPAIGN]
    fields = {f.name: f for f in _fields(app)}
    columns = template_fields(campaign, deployment)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([title for title, _ in columns])
    full = OfficeApplicant(app, CAMPAIGN).answers(CAMPAIGN, **answers)
    writer.writerow(
        [
            _cell(fields[spec["name"]], full[spec["name"]], deployment)
            if full.get(spec["name"]) is not None
            else ""
            for _, spec in columns
        ]
    )
    data = buffer.getvalue().encode("utf-8-sig")
    form = [
        ("campaign", CAMPAIGN),
        ("consent", "1"),
        ("roster", (io.BytesIO(data), "roster.csv")),
    ]
    return office.post("/office/units/test-town/import", form, content_type="multipart/form-data")


@pytest.mark.parametrize("name", FIELD_NAMES)
def test_each_channel_accepts_and_refuses_alike_and_the_export_validates(every_app, name, tmp_path):
    applicant = OfficeApplicant(every_app, CAMPAIGN)
    office = Office(every_app, "test-town", "administrator")
    office.login()
    field = next(f for f in _fields(every_app) if f.name == name)
    accepted, refused = _samples(field, applicant)
    count = stored(every_app)
    for value in accepted:
        answers = _answers(applicant, name, value)
        if _form_refuses(applicant, answers):
            response = applicant.submit(CAMPAIGN, **answers)
            assert response.status_code == 303, (value, errors_of(response))
            count += 1
        response = applicant.submit_json(CAMPAIGN, **_answers(applicant, name, value))
        assert response.status_code == 201, (value, response.get_json())
        count += 1
        response = _import(office, every_app, _answers(applicant, name, value))
        assert response.status_code == 303, (value, [li.text for li in page(response).select("li")])
        count += 1
    assert stored(every_app) == count
    for value, words in refused:
        response = applicant.submit_json(CAMPAIGN, **_answers(applicant, name, value))
        assert response.status_code == 422, value
        message = {e["field"]: e["message"] for e in response.get_json()["errors"]}[name]
        assert words in message
        answers = _answers(applicant, name, value)
        if _form_refuses(applicant, answers):
            response = applicant.submit(CAMPAIGN, **answers)
            assert response.status_code == 422
            assert errors_of(response)[name] == message
        response = _import(office, every_app, _answers(applicant, name, value))
        report = [item.get_text() for item in page(response).select(".import-report li")]
        assert any(message in line for line in report), (message, report)
    assert stored(every_app) == count
    _export_validates(office, tmp_path, count)


def _export_validates(office: Office, folder: Path, rows: int) -> None:
    response = office.get("/office/units/test-town/export.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        archive.extractall(folder / "package")
    report = Package(str(folder / "package" / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    with (folder / "package" / f"{CAMPAIGN}.csv").open(encoding="utf-8-sig") as handle:
        assert sum(1 for _ in csv.reader(handle)) - 1 == rows


def test_kinds_are_what_the_catalogue_says():
    from pingan.schemas import application_fields

    for spec in application_fields().values():
        assert kind_of(spec).type == spec["type"], spec["name"]
