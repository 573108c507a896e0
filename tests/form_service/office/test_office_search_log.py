"""The office list's name search under gunicorn: the access log never holds the term.

gunicorn runs with the shipped configuration and an access log that writes the request
line, query string and referrer. An office logs in and searches by a name and by an ID
number; neither the term nor any encoding of it reaches the log, so the log needs no
redaction for it at all (the redaction stays as a second line of defence).
"""

from __future__ import annotations

import http.cookiejar
import urllib.parse
import urllib.request

import pytest
from applicants import TODAY, make_id
from gunicorn_server import Servers, settings
from offices import PASSWORD, add_user, csrf_of


@pytest.fixture
def gunicorn(tmp_path):
    servers = Servers(tmp_path)
    yield servers.start
    servers.stop_all()


class Browser:
    """urllib with cookies, redirects followed and the Referer a browser would send."""

    def __init__(self, server):
        self.server = server
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.last_url: str | None = None

    def open(self, path: str, data: dict[str, str] | None = None) -> bytes:
        url = path if path.startswith("http") else self.server.url(path)
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)
        if self.last_url:
            request.add_header("Referer", self.last_url)
        with self.opener.open(request, timeout=30) as response:
            self.last_url = response.url
            return response.read()


def test_a_name_search_never_reaches_the_access_log(tmp_path, make_app, gunicorn):
    database_url = f"sqlite:///{tmp_path / 'office.sqlite3'}"
    app = make_app("wujin", database_url)  # migrates; the account is stored through it
    add_user(app, "wujin-reviewer", "wujin")
    env = settings(tmp_path / "instance", PINGAN_DATABASE_URL=database_url)
    server = gunicorn(env, 1, "--access-logformat", "%(r)s %(s)s %(q)s %(f)s %(U)s")
    server.wait_answering("/apply/")
    browser = Browser(server)
    token = csrf_of(browser.open("/office/login"))
    browser.open(
        "/office/login",
        {"username": "wujin-reviewer", "password": PASSWORD, "csrf_token": token},
    )
    number = make_id(TODAY.replace(year=1990))
    terms = ["张示例", number]
    for term in terms:
        token = csrf_of(browser.open("/office/applications"))
        html = browser.open("/office/applications/search", {"name": term, "csrf_token": token})
        assert f'value="{term}"' in html.decode()  # searched: the box shows the term
        assert "/office/applications?q=" in browser.last_url
        browser.open(browser.last_url)  # reloaded, as a paging link would be followed
    assert server.stop() == 0
    log = server.access_log.read_text(encoding="utf-8")
    assert log.count("POST /office/applications/search") == len(terms)
    assert log.count("GET /office/applications?q=") >= 2 * len(terms)
    assert "[redacted]" not in log  # nothing in it needed blanking
    for term in terms:
        for form in (term, urllib.parse.quote(term), urllib.parse.quote_plus(term)):
            assert form not in log
    for part in (number[:6], number[6:14], number[-4:]):
        assert part not in log
