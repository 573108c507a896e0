"""The JSON API: the same validator as the form, idempotent retries, cross-site refusal,
progress counts and an OpenAPI document that matches what the validator accepts."""

from __future__ import annotations

import re
import threading

import pytest
from applicants import CAMPAIGNS, Applicant, get_db_of, stored
from sqlalchemy import select, update

from form_service.applications import submit
from form_service.models import Application
from pingan.schemas import application_fields

SITE = "https://pingan.example.org"
DOCUMENT_NUMBERS = {
    "hk_macao_permit": "H12345678",
    "taiwan_permit": "12345678",
    "foreign_permanent_residence": "USA123456789012",
    "passport": "E12345678",
}


@pytest.fixture
def api_app(make_app):
    return make_app("wujin", SITE_URL=SITE)


def test_a_valid_application_gets_201_and_a_reference(api_app):
    response = Applicant(api_app).submit_json()
    assert response.status_code == 201
    body = response.get_json()
    assert body["stage"] == "submitted"
    assert stored(api_app) == 1


def test_the_reference_has_the_one_form_people_read_and_the_status_page_takes_it(api_app):
    """ABCDE-23456 in the answer, as on the done page, in exports and in the audit log."""
    applicant = Applicant(api_app)
    id_number = applicant.next_id()
    body = applicant.submit_json(id_number=id_number).get_json()

    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}", body["reference"])
    assert body["reference_display"] == body["reference"]
    with get_db_of(api_app).sessions() as db_session:
        stored_reference = db_session.scalar(select(Application.reference))
    assert stored_reference == body["reference"].replace("-", "")
    for typed in (body["reference"], body["reference"].replace("-", "")):
        token = applicant.csrf_token(applicant.campaign)
        page = applicant.client.post(
            "/status", data={"csrf_token": token, "reference": typed, "last4": id_number[-4:]}
        )
        assert page.status_code == 200 and "已提交" in page.get_data(as_text=True)


def test_invalid_fields_get_422_with_each_field_named(api_app):
    response = Applicant(api_app).submit_json(mobile="123", service_type="x", name=None)
    assert response.status_code == 422
    errors = {error["field"]: error["message"] for error in response.get_json()["errors"]}
    assert set(errors) == {"name", "mobile", "service_type"}
    assert errors["name"] == "请填写姓名"
    assert stored(api_app) == 0


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"favourite_colour": "red"}, "favourite_colour", "不是本次招募报名表中的字段"),
        ({"name": 42}, "name", "姓名应为文本"),
        ({"availability": "周六"}, "availability", "应为文本列表"),  # as the document says
        ({"availability": [1, 2]}, "availability", "应为文本列表"),
        ({"consent_sensitive": "yes"}, "consent_sensitive", "单独勾选同意"),
        ({"declarations": "all"}, "declarations", "声明应为"),
    ],
)
def test_json_types_are_checked(api_app, answers, field, message):
    response = Applicant(api_app).submit_json(**answers)
    if field is None:
        assert response.status_code == 201
        return
    errors = {error["field"]: error["message"] for error in response.get_json()["errors"]}
    assert response.status_code == 422 and message in errors[field]


def test_a_body_that_is_not_a_json_object_is_refused(api_app):
    client = api_app.test_client()
    url = "/api/v1/campaigns/wujin-2026/applications"
    assert client.post(url, data="name=x").status_code == 415
    assert client.post(url, json=["a"]).status_code == 400
    assert client.post("/api/v1/campaigns/nope/applications", json={}).status_code == 404


def test_a_retry_with_the_same_idempotency_key_returns_the_first_result(api_app):
    applicant = Applicant(api_app)
    answers = applicant.answers()
    client = api_app.test_client()
    url = "/api/v1/campaigns/wujin-2026/applications"
    first = client.post(url, json=answers, headers={"Idempotency-Key": "k-1"})
    again = client.post(url, json=answers, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.get_json()["reference"] == again.get_json()["reference"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert stored(api_app) == 1
    other = client.post(url, json={**answers, "name": "李示例"}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert other.get_json()["errors"][0]["field"] == "Idempotency-Key"


def test_concurrent_retries_with_one_key_store_one_application(database_url, make_app):
    app = make_app("wujin", database_url)
    applicant = Applicant(app)
    answers = applicant.answers()
    form, database = applicant.form, get_db_of(app)
    cipher = app.extensions["pingan_cipher"]
    barrier = threading.Barrier(6)
    outcomes = []

    def retry():
        barrier.wait()
        outcomes.append(
            submit(
                database,
                cipher,
                form,
                dict(answers),
                app.config["TODAY"],
                channel="api",
                idempotency_key="same",
            )
        )

    threads = [threading.Thread(target=retry) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert stored(app) == 1
    assert all(outcome.ok for outcome in outcomes), [o.errors for o in outcomes]
    assert len({outcome.application.reference for outcome in outcomes}) == 1


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 201),  # not a browser
        ({"Origin": SITE, "Sec-Fetch-Site": "cross-site"}, 201),  # the configured site
        ({"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}, 201),
        ({"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403),
        ({"Origin": "null"}, 403),
        ({"Sec-Fetch-Site": "cross-site"}, 403),
    ],
)
def test_cross_site_browser_requests_are_refused(api_app, headers, status):
    response = Applicant(api_app).submit_json(headers=headers)
    assert response.status_code == status
    assert stored(api_app) == (1 if status == 201 else 0)


def test_the_site_may_read_campaigns_and_progress(api_app):
    client = api_app.test_client()
    response = client.get("/api/v1/campaigns", headers={"Origin": SITE})
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    other = client.get("/api/v1/campaigns", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    [campaign] = response.get_json()["campaigns"]
    assert campaign["id"] == "wujin-2026" and campaign["status"] == "open"
    assert campaign["apply_url"].endswith("/apply/wujin-2026")


def test_progress_counts_applications_per_unit_and_above(database_url, make_app):
    app = make_app("wujin", database_url)
    applicant = Applicant(app)
    for unit in ("hutang", "hutang", "luoyang"):
        assert applicant.submit_json(unit=unit).status_code == 201
    with get_db_of(app).write() as session:  # an office registers one of them
        session.execute(
            update(Application).where(Application.unit == "luoyang").values(stage="registered")
        )
    response = app.test_client().get("/api/v1/campaigns/wujin-2026/progress")
    assert response.get_json() == {
        "campaign": "wujin-2026",
        "units": {
            "wujin": {"applications": 3, "registered": 1},
            "hutang": {"applications": 2, "registered": 0},
            "luoyang": {"applications": 1, "registered": 1},
        },
    }


# --- the OpenAPI document matches the validator --------------------------------------------


@pytest.mark.parametrize("campaign", ["wujin-2026", "shanxi-2026", "expo-2026", "mixed-2026"])
def test_openapi_lists_every_accepted_field_with_its_choices(make_app, campaign):
    app = make_app(CAMPAIGNS[campaign])
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    schema = spec["components"]["schemas"]["Application_" + campaign.replace("-", "_")]
    applicant = Applicant(app, campaign)
    properties = schema["properties"]
    assert set(properties) == applicant.form.accepted_keys
    for name, prop in properties.items():
        enum = prop.get("enum") or prop.get("items", {}).get("enum")
        if not enum or name in ("notice_version", "declarations"):
            continue
        for value in enum:  # every listed value is accepted…
            if value is None:
                continue  # an optional field's null means "not answered"
            is_list = "array" in prop["type"]
            answers = _valid_with(applicant, name, [value] if is_list else value)
            response = applicant.submit_json(**answers)
            assert response.status_code == 201, (name, value, response.get_json())
        bad = ["not-a-choice"] if "array" in prop["type"] else "not-a-choice"
        response = applicant.submit_json(**_valid_with(applicant, name, bad))
        assert response.status_code == 422  # …and nothing else
        assert response.get_json()["errors"][0]["field"] == name


@pytest.mark.parametrize("campaign", ["wujin-2026", "shanxi-2026", "expo-2026", "mixed-2026"])
def test_openapi_required_fields_are_the_ones_the_validator_requires(make_app, campaign):
    app = make_app(CAMPAIGNS[campaign])
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    schema = spec["components"]["schemas"]["Application_" + campaign.replace("-", "_")]
    applicant = Applicant(app, campaign)
    required = set()
    for name in schema["properties"]:
        response = applicant.submit_json(**{name: None})
        fields = {error["field"] for error in (response.get_json().get("errors") or [])}
        if response.status_code == 422 and name in fields:
            required.add(name)
    assert required == set(schema["required"])


def _valid_with(applicant: Applicant, name: str, value) -> dict:
    answers = {name: value}
    if name == "id_type" and value != "resident_id":
        answers.update(
            id_number=DOCUMENT_NUMBERS.get(value, "E12345678"), birth_date="1970-01-02", sex="男"
        )
    if name == "sex":
        answers["sex"] = value
        answers["id_number"] = applicant.next_id()
        if value != ("男" if int(answers["id_number"][16]) % 2 else "女"):
            answers["id_number"] = applicant.next_id()
    return answers


def test_openapi_grid_worker_code_pattern_is_the_one_the_validator_applies(api_app):
    spec = api_app.test_client().get("/api/v1/openapi.json").get_json()
    via = spec["components"]["schemas"]["Application_wujin_2026"]["properties"]["via"]
    assert via["title"] == application_fields()["via"]["title"]
    pattern = re.compile(via["pattern"])
    applicant = Applicant(api_app)
    for code in ("GW-0012", "G", "GW_12"):
        response = applicant.submit_json(via=code)
        assert (response.status_code == 201) == bool(pattern.search(code)), code
