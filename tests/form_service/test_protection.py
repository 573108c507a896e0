"""Protection: security headers, request size, rate limits, and no ID number in any log."""

from __future__ import annotations

import logging

from applicants import Applicant, stored

from form_service.redaction import redact


def test_service_pages_allow_no_outside_source(client):
    response = client.get("/apply/wujin-2026")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "http" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_load_nothing_from_elsewhere(client):
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get("/apply/wujin-2026").data, "html.parser")
    sources = [tag.get("href") or tag.get("src") for tag in page.select("link, script, img")]
    assert sources and all(source.startswith("/") for source in sources)
    assert page.select("[style]") == [] and page.select("style") == []


def test_a_huge_request_is_refused_before_it_is_read(app):
    applicant = Applicant(app)
    response = applicant.submit(specialty="x" * 200_000)
    assert response.status_code == 413
    api = applicant.submit_json(name="张" * 200_000)
    assert api.status_code == 413 and api.get_json()["errors"][0]["message"] == "请求内容过大"
    assert stored(app) == 0


def test_applying_is_rate_limited_per_client(make_app):
    app = make_app("wujin", RATELIMIT_ENABLED=True, APPLY_RATE_LIMIT="2 per minute")
    applicant = Applicant(app)
    statuses = [applicant.submit_json().status_code for _ in range(3)]
    assert statuses == [201, 201, 429]


def test_each_request_counts_once_and_the_client_is_told_what_is_left(make_app):
    """Limits are declared on the views; the check flask-limiter runs before every request
    is skipped (``extensions.ViewLimiter``), so each request counts exactly once."""
    app = make_app("wujin", RATELIMIT_ENABLED=True, APPLY_RATE_LIMIT="5 per minute")
    applicant = Applicant(app)
    left = [applicant.submit_json().headers["X-RateLimit-Remaining"] for _ in range(5)]
    assert left == ["4", "3", "2", "1", "0"]
    refused = applicant.submit_json()
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["errors"][0]["message"] == "请求过于频繁，请稍后再试"
    status = [applicant.client.get("/status").status_code for _ in range(3)]
    assert status == [200, 200, 200]  # pages without a limit are not counted at all


def test_no_id_or_mobile_number_reaches_the_logs(app, caplog):
    caplog.set_level(logging.DEBUG)
    applicant = Applicant(app)
    id_number = applicant.next_id()
    assert applicant.submit(id_number=id_number, mobile="13912345678").status_code == 303
    assert applicant.submit(id_number=id_number, mobile="13912345678").status_code == 422
    assert applicant.submit_json(id_number=id_number[:17], mobile="13912345678").status_code == 422
    applicant.submit(website="spam", id_number=id_number)
    assert "application stored" in caplog.text  # the service does log…
    for secret in (id_number, id_number[:17], "13912345678"):
        assert secret not in caplog.text  # …but never the numbers


def test_the_reference_reaches_no_log(app, caplog):
    """With the last four ID characters it opens the status page: a secret like them."""
    caplog.set_level(logging.DEBUG)
    applicant = Applicant(app)
    assert applicant.submit().status_code == 303
    api = applicant.submit_json()
    assert api.status_code == 201
    assert "application stored" in caplog.text
    with applicant.client.session_transaction() as session:
        reference = session["confirmation"]["reference"]
    for shown in (reference, api.get_json()["reference"]):
        for secret in (shown, shown.replace("-", "")):  # as shown and as stored
            assert secret not in caplog.text


def test_the_log_filter_blanks_numbers_a_future_change_might_log():
    assert redact("id=320412199005171013 tel 13912345678 ok") == "id=[redacted] tel [redacted] ok"
    assert redact("reference ABCDE23456, 2026-11-23") == "reference ABCDE23456, 2026-11-23"


def test_app_and_werkzeug_logs_are_filtered(app, caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("werkzeug").info('"GET /apply?x=320412199005171013 HTTP/1.1" 200')
    app.logger.warning("mobile 13912345678")
    assert "320412199005171013" not in caplog.text and "13912345678" not in caplog.text
