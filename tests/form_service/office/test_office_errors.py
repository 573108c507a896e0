"""Office error pages: the office layout, in Chinese, with a way back to the application list
(or to the log-in page); the public pages keep their own layout and words."""

from __future__ import annotations

import pytest
from offices import page
from werkzeug.exceptions import TooManyRequests

ENGLISH = ("Forbidden", "Not Found", "Too Many Requests", "Internal Server Error")
PUBLIC_404 = "这项招募已经下线"


@pytest.fixture
def app(office_app):
    """The Wujin office app with two routes that fail the way nothing else can on demand."""
    app = office_app("wujin")
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 page, as in production

    def too_many():
        raise TooManyRequests()

    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/office/test-too-many", "test_too_many", too_many)
    app.add_url_rule("/office/test-broken", "test_broken", broken)
    return app


def assert_office_error(response, status: int, title: str, back: str):
    assert response.status_code == status
    shown = page(response)
    assert "office" in shown.body["class"]  # the office layout, not the public one
    assert shown.select_one("#office-error h1").get_text() == title
    text = shown.get_text()
    assert PUBLIC_404 not in text
    assert not any(word in text for word in ENGLISH)
    assert shown.select_one("#office-error a")["href"] == back


@pytest.mark.parametrize(
    ("url", "status", "title"),
    [
        ("/office/units/niutang/export", 404, "没有找到"),  # another town's export page
        ("/office/applications/999999", 404, "没有找到"),
        ("/office/no-such-page", 404, "没有找到"),
        ("/office/audit", 403, "没有权限"),  # a reviewer
        ("/office/test-too-many", 429, "操作过于频繁"),
        ("/office/test-broken", 500, "服务暂时出现问题"),
    ],
)
def test_office_errors_use_the_office_layout_in_chinese(app, office, url, status, title):
    reviewer = office(app, "hutang")
    response = reviewer.get(url)
    assert_office_error(response, status, title, "/office/applications")


def test_an_office_error_before_log_in_leads_back_through_the_log_in_page(app):
    client = app.test_client()
    assert_office_error(client.get("/office/no-such-page"), 404, "没有找到", "/office/applications")
    assert client.get("/office/applications").headers["Location"].startswith("/office/login")


def test_a_post_without_a_session_is_told_to_log_in(app):
    response = app.test_client().post("/office/units/hutang/export.zip")
    assert response.status_code in (400, 401)  # the CSRF check may answer first
    shown = page(response)
    assert "office" in shown.body["class"]
    assert not any(word in shown.get_text() for word in ENGLISH)


def test_the_public_404_keeps_the_public_layout_and_text(app):
    response = app.test_client().get("/no-such-campaign")
    assert response.status_code == 404
    shown = page(response)
    assert "office" not in (shown.body.get("class") or [])
    assert PUBLIC_404 in shown.get_text()


def test_a_public_500_is_in_chinese(app):
    app.add_url_rule("/apply/test-broken", "public_broken", lambda: 1 / 0)
    response = app.test_client().get("/apply/test-broken")
    assert response.status_code == 500
    assert "服务暂时出现问题" in response.get_data(as_text=True)
    assert "Internal Server Error" not in response.get_data(as_text=True)
