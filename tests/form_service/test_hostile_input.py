"""Hostile input is refused at the door with a message naming the field, never a 5xx.

Each row was found by trying the live service as an attacker would; a refused answer is
never stored, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json

import pytest
from applicants import Applicant, errors_of, stored

from pingan.text import printable

# field, value, words the message must hold
REFUSED = [
    ("registration_address", "x\ud800y", "注册地址含有无法识别的字符"),
    ("email", "a\udfff@example.com", "电子邮箱含有无法识别的字符"),
    ("registration_address", "湖塘\x00镇", "注册地址含有不可见的控制字符"),
    ("registration_address", "湖塘\u202e镇", "注册地址含有改变文字方向"),
    ("registration_address", "湖塘\u200b镇", "注册地址含有不可见的格式字符"),
    ("registration_address", "湖塘\ufffe镇", "注册地址含有无效字符"),
    ("registration_address", "湖塘\n镇", "注册地址不能换行"),
    ("name", "张\x07三", "姓名含有不可见的控制字符"),
    ("mobile", "13912345abc", "手机号码只能填写数字"),
    ("mobile", "1391234567８ａ", "手机号码只能填写数字"),
    ("email", "=1+2@x.co", "电子邮箱不能以 =、+、-、@ 开头"),
    ("email", "@SUM(1)@x.co", "电子邮箱不能以 =、+、-、@ 开头"),
    ("registration_address", "=HYPERLINK(1)", "注册地址不能以 =、+、-、@ 开头"),
]


@pytest.fixture
def hostile_app(database_url, make_app):
    return make_app("wujin", database_url=database_url)


@pytest.mark.parametrize(("field", "value", "words"), REFUSED)
def test_the_api_refuses_it_naming_the_field(hostile_app, field, value, words):
    response = Applicant(hostile_app).submit_json(**{field: value})
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.get_json()["errors"]}
    assert words in errors[field]
    assert stored(hostile_app) == 0


#: A browser cannot send a lone surrogate (form bodies are UTF-8): those rows are API-only.
FORM_REFUSED = [row for row in REFUSED if printable(row[1]) == row[1]]


@pytest.mark.parametrize(("field", "value", "words"), FORM_REFUSED)
def test_the_html_form_refuses_it_naming_the_field(hostile_app, field, value, words):
    response = Applicant(hostile_app).submit(**{field: value})
    assert response.status_code == 422
    assert words in errors_of(response)[field]
    assert stored(hostile_app) == 0


def test_a_lone_surrogate_with_an_idempotency_key_is_a_422(hostile_app):
    response = Applicant(hostile_app).submit_json(
        headers={"Idempotency-Key": "retry-1"}, registration_address="x\ud800y"
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "registration_address"
    assert stored(hostile_app) == 0


def test_a_lone_surrogate_in_a_key_is_named_printably(hostile_app):
    applicant = Applicant(hostile_app)
    body = applicant.answers() | {"bad\ud800key": "x"}
    response = applicant.client.post(
        "/api/v1/campaigns/wujin-2026/applications",
        data=json.dumps(body),  # ensure_ascii: the surrogate travels as \\ud800
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "bad\ufffdkey"


def test_a_deeply_nested_body_is_a_400(hostile_app):
    response = Applicant(hostile_app).client.post(
        "/api/v1/campaigns/wujin-2026/applications",
        data="[" * 1000 + "]" * 1000,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["message"]


def test_a_deeply_nested_value_is_a_422(hostile_app):
    applicant = Applicant(hostile_app)
    body = json.dumps(applicant.answers(specialty=None))[:-1] + ', "specialty": '
    body += "[" * 400 + "]" * 400 + "}"
    response = applicant.client.post(
        "/api/v1/campaigns/wujin-2026/applications", data=body, content_type="application/json"
    )
    assert response.status_code == 422


def test_text_areas_keep_their_line_breaks(make_app):
    app = make_app("shanxi-youth")
    form = app.extensions["pingan_forms"]["shanxi-2026"]
    assert form["specialty"].widget == "textarea"
    response = Applicant(app, "shanxi-2026").submit_json(specialty="急救\r\n驾驶")
    assert response.status_code == 201


def test_get_on_the_applications_address_is_405_with_allow(hostile_app):
    client = hostile_app.test_client()
    response = client.get("/api/v1/campaigns/wujin-2026/applications")
    assert response.status_code == 405
    assert response.headers["Allow"] == "OPTIONS, POST"
    assert response.get_json()["errors"][0]["message"] == "不支持这种请求方法"
