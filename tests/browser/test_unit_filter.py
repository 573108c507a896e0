"""The unit directory's name filter in a real browser, and the form service's favicon."""

from __future__ import annotations

import functools
import threading
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pingan.deployment import load_deployment
from site_builder.commands import build_site

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    """Wujin's site, served as static files (the filter needs no server of its own)."""
    site = tmp_path_factory.mktemp("filter") / "site"
    build_site(ROOT / "data", site, form_url="http://127.0.0.1:9", build_date="2026-11-23")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietFiles, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _shown_units(browser) -> list[str]:
    from selenium.webdriver.common.by import By

    return [
        link.text
        for link in browser.find_elements(By.CSS_SELECTOR, "#unit-tree li > a")
        if link.is_displayed()
    ]


def test_typing_a_name_keeps_matching_units_and_their_parents(site_url, browser, assert_accessible):
    from selenium.webdriver.common.by import By

    browser.get(f"{site_url}/units/")
    everything = _shown_units(browser)
    field = browser.find_element(By.ID, "unit-tree-filter")
    assert field.is_displayed()  # the script shows the box
    assert_accessible(browser)

    field.send_keys("湖塘")

    shown = _shown_units(browser)
    assert shown == [
        everything[0],  # the district stays, as the parent of what matched
        "湖塘平安志愿者工作站",
        "湖塘示例社区平安志愿者服务分队",
        "湖塘示例村平安志愿者服务分队",
    ]
    assert len(everything) == len(load_deployment(ROOT / "data").tree)  # before typing: all
    count = browser.find_element(By.ID, "unit-tree-filter-count").text
    assert count.startswith("找到 ") and "湖塘" in count
    assert_accessible(browser)

    field.clear()
    field.send_keys("没有这个单位")
    assert _shown_units(browser) == []
    assert browser.find_element(By.ID, "unit-tree-filter-count").text.startswith("没有名称含")

    browser.execute_script(
        "var f = arguments[0]; f.value = ''; f.dispatchEvent(new Event('input'));", field
    )
    assert _shown_units(browser) == everything


def test_form_service_pages_name_a_favicon_that_is_served(shared_demo, browser):
    from selenium.webdriver.common.by import By

    _, url = shared_demo
    browser.get(f"{url}/status")
    href = browser.find_element(By.CSS_SELECTOR, 'link[rel="icon"]').get_attribute("href")

    with urllib.request.urlopen(href) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("image/svg+xml")
        assert b"<svg" in response.read()
