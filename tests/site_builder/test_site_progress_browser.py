"""The quota page's progress column in a real browser: filled from the form service's
progress endpoint, and left hidden (quotas only) when that endpoint cannot be reached."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from accessibility import assert_accessible, axe_source
from chromium import start_chromium
from site_helpers import ROOT

pytestmark = pytest.mark.browser

PROGRESS = {
    "campaign": "wujin-2026",
    "units": {
        "hutang": {"applications": 1200, "registered": 3},  # thousands: 1,202
        "hutang-village-a": {"applications": 2, "registered": 1},
        "niutang": {"applications": 5, "registered": 0},
    },
}


class ProgressHandler(SimpleHTTPRequestHandler):
    """Answers the progress endpoint the way the form service does, with CORS."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = json.dumps(PROGRESS).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def serve() -> Iterator:
    servers = []

    def start(handler) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser(tmp_path: Path):
    driver = start_chromium(tmp_path / "chromium-profile")
    yield driver
    driver.quit()


@pytest.fixture(name="assert_accessible")
def assert_accessible_fixture():
    axe_source()
    return assert_accessible


def progress_cells(browser) -> dict[str, tuple[bool, str]]:
    """Row unit (or "grand") → (displayed, text) of its progress cell."""
    from selenium.webdriver.common.by import By

    cells = {}
    for row in browser.find_elements(By.CSS_SELECTOR, "#quota-table tr[data-unit]"):
        cell = row.find_element(By.CSS_SELECTOR, "td[data-progress]")
        cells[row.get_attribute("data-unit")] = (cell.is_displayed(), cell.text)
    grand = browser.find_element(By.CSS_SELECTOR, "tr.pingan-quota__grand td[data-progress]")
    cells["grand"] = (grand.is_displayed(), grand.text)
    return cells


def test_progress_column_shows_live_counts(build_site, serve, browser, assert_accessible):
    from selenium.webdriver.support.ui import WebDriverWait

    form_url = serve(ProgressHandler)
    site = build_site(ROOT / "data", form_url=form_url)
    site_url = serve(functools.partial(QuietFiles, directory=str(site)))

    browser.get(f"{site_url}/quotas/wujin-2026/")
    WebDriverWait(browser, 10).until(lambda b: progress_cells(b)["hutang"][0])
    cells = progress_cells(browser)

    assert cells["hutang"] == (True, "1,202 / 4")  # written as the site writes numbers
    assert cells["niutang"] == (True, "5 / 0")
    assert cells["luoyang"] == (True, "0 / 0")
    assert cells["grand"] == (True, "1,207 / 4")
    assert_accessible(browser)


def test_quotas_alone_when_the_form_service_is_unreachable(
    build_site, serve, browser, assert_accessible
):
    import time

    from selenium.webdriver.common.by import By

    site = build_site(ROOT / "data", form_url="http://127.0.0.1:9")
    site_url = serve(functools.partial(QuietFiles, directory=str(site)))

    browser.get(f"{site_url}/quotas/wujin-2026/")
    time.sleep(1)
    cells = progress_cells(browser)

    assert not any(displayed for displayed, _ in cells.values())
    count = browser.find_element(By.CSS_SELECTOR, 'tr[data-unit="hutang"] td.pingan-count')
    assert count.text == "6,330"
    assert_accessible(browser)


def test_live_counts_redraw_the_progress_charts(build_site, serve, browser, tmp_path):
    """Built with yesterday's counts (statistics.json), the charts show the live ones once
    the progress endpoint answers: the bars' lengths, their labels and their tables."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    counts = tmp_path / "statistics.json"
    counts.write_text(
        json.dumps(
            {
                "format": "pingan-statistics/1",
                "deployment": "wujin",
                "day": "2026-11-20",
                "applications": [
                    {
                        "campaign": "wujin-2026",
                        "unit": "hutang",
                        "day": "2026-11-02",
                        "applications": 10,
                        "registered": 1,
                    }
                ],
                "volunteers": [],
                "hours": [],
                "stations": [],
            }
        ),
        encoding="utf-8",
    )
    form_url = serve(ProgressHandler)
    site = build_site(ROOT / "data", form_url=form_url, statistics=counts)
    site_url = serve(functools.partial(QuietFiles, directory=str(site)))

    browser.get(f"{site_url}/quotas/wujin-2026/")
    WebDriverWait(browser, 10).until(lambda b: progress_cells(b)["hutang"][0])
    bar = browser.find_element(By.CSS_SELECTOR, 'g[data-chart-progress="hutang"]')
    quota = float(bar.get_attribute("data-quota"))
    full = float(bar.get_attribute("data-full"))
    applied = bar.find_element(By.CSS_SELECTOR, ".pingan-chart__applied")
    assert float(applied.get_attribute("width")) == pytest.approx(full * 1202 / quota, abs=0.1)
    label = bar.find_element(By.CSS_SELECTOR, ".pingan-chart__value")
    assert label.get_attribute("textContent") == f"1,202 / {quota:,.0f}"
    row = browser.find_element(By.CSS_SELECTOR, 'tr[data-chart-progress="hutang"]')
    cells = [cell.get_attribute("textContent") for cell in row.find_elements(By.CSS_SELECTOR, "td")]
    assert cells[1:] == ["1,202", "4"]
    caption = browser.find_element(By.CSS_SELECTOR, "#chart-wujin-2026-units figcaption")
    assert "实时数据" in caption.text
