"""Every kind of public page, of the built site and of the form service, passes axe-core."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as expected
from selenium.webdriver.support.ui import WebDriverWait

from form_service.example_activity import publish_example
from form_service.site_rebuild import rebuild
from site_builder.commands import build_site

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(path.parent for path in (ROOT / "examples").glob("*/deployment.yaml"))

#: One page of each kind the public reaches, site and form service on one origin.
PUBLIC_PAGES = [
    "/",
    "/notices/",
    "/notices/wujin-2026/",
    "/quotas/",
    "/quotas/wujin-2026/",
    "/units/",
    "/unit/hutang/",
    "/honours/",
    "/people/wang-demo/",
    "/projects/",
    "/stories/",
    "/story/patrol-six-years/",
    "/guide/",
    "/privacy/",
    "/no-such-page/",
    "/apply/",
    "/apply/wujin-2026",
    "/status",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_is_accessible(shared_demo, browser, assert_accessible, path):
    _, url = shared_demo
    browser.get(url + path)
    assert_accessible(browser)


#: The site's activity pages and the service's own, once the demo's example activity is
#: published and the site rebuilt (as ``make demo`` does).
ACTIVITY_PAGES = [
    "/activities/",
    "/activity/1/",
    "/activities/unit/hutang/",
    "/unit/hutang/",
    "/volunteer/activities",
    "/volunteer/activities/1",
]


@pytest.fixture(scope="module")
def demo_with_activity(shared_demo):
    app, url = shared_demo
    with app.app_context():
        assert publish_example("浏览器测试").ok
        rebuild()  # what the queued site task does
    return app, url


@pytest.mark.parametrize("path", ACTIVITY_PAGES)
def test_activity_page_is_accessible(demo_with_activity, browser, assert_accessible, path):
    _, url = demo_with_activity
    browser.get(url + path)
    if path == "/activity/1/":
        # The built page's places give way to the live figure from the counts endpoint.
        WebDriverWait(browser, 15).until(
            expected.visibility_of_element_located((By.ID, "places-status"))
        )
        places = browser.find_element(By.CSS_SELECTOR, "[data-places-for]").text
        assert places == "余 20 个名额（共 20 个，实时）"
    assert_accessible(browser)


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.mark.parametrize("data_dir", EXAMPLES, ids=lambda path: path.name)
def test_each_example_deployment_reads_in_its_own_colours(
    tmp_path, browser, assert_accessible, data_dir
):
    """Identity colours come from the data: every deployment's home and notices pass too."""
    site = tmp_path / "site"
    build_site(data_dir, site, form_url="http://127.0.0.1:9", build_date="2026-11-23")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietFiles, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        notices = sorted(path.parent.name for path in site.glob("notices/*/index.html"))
        for path in ["/", "/notices/", *(f"/notices/{name}/" for name in notices)]:
            browser.get(url + path)
            assert_accessible(browser)
    finally:
        server.shutdown()
        server.server_close()


def test_the_check_reports_what_axe_finds_and_excuses_only_the_named_pair(browser):
    from accessibility import axe_violations

    browser.get(
        "data:text/html;charset=utf-8,<!doctype html><html lang='zh-CN'><title>t</title>"
        "<main><h1>标题</h1><img src='x.png'><p style='color:%23bbb'>浅色文字</p></main></html>"
    )
    found = {violation["id"] for violation in axe_violations(browser)}
    assert {"image-alt", "color-contrast"} <= found

    narrowed = axe_violations(browser, exclude=[("image-alt", "main")])
    assert {violation["id"] for violation in narrowed} == found - {"image-alt"}
