"""Every kind of page reads on a 360 px phone and on a 1280 px desk (issue 10, Phones).

For each of the five deployments one page of every kind is opened at 360 px, at 1280 px
and at 640 px (the desk at 200 % browser zoom), and on each the browser measures what a
reader would meet:

- nothing is wider than the viewport: the page's scroll width, and each visible table's
  right edge and scroll width against its container;
- no table cell wraps its text to fewer than three characters a line on average (lines
  are counted from the text's own boxes);
- on phones, touch targets (the controls a finger presses: buttons, text inputs, selects,
  the labels of check boxes and radio buttons, Material's header buttons, the site's and
  the service's navigation links and pagers; links inside running text are exempt, as in
  WCAG 2.5.8) are at least 44 × 44 CSS px, and body text (paragraphs, list items, table
  cells, definition terms and descriptions, labels in the page's main content; badges and
  code excepted) is at least 16 px;
- axe-core finds nothing.

The form service's public and office pages are checked the same way, and the 长辈模式
switch stays on across two pages of the site and two pages of the form service.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as expected
from selenium.webdriver.support.ui import WebDriverWait

from form_service.db import get_db
from form_service.office.auth import hash_password
from form_service.office_models import User
from site_builder.commands import build_site

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = [ROOT / "data"] + sorted(
    path.parent for path in (ROOT / "examples").glob("*/deployment.yaml")
)
#: A phone, a desk, and the desk at 200 % browser zoom (1280 / 2 CSS px).
PHONE, DESK, ZOOMED = 360, 1280, 640
#: Folders of the built site that are not Markdown content pages.
GENERATED = {"assets", "search", "notices", "quotas", "units", "unit", "honours", "people"}
GENERATED |= {"projects", "stories", "story"}
PASSWORD = "correct horse battery"

#: Measures the open page; returns a list of problems in words (empty when it reads well).
MEASURE = """
const [phone, targets, bodyText] = arguments;
const problems = [];
const width = window.innerWidth;
const name = (el) => {
  const classes = typeof el.className === "string" ? el.className.trim() : "";
  return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (classes ? "." + classes.split(/\\s+/).join(".") : "");
};
const words = (el) => (el.textContent || el.value || "").trim().slice(0, 12);
const shown = (el) => {
  const r = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  // Off-screen to the left is how the form hides its honeypot field from people.
  return r.width > 1 && r.height > 1 && r.right > 0 && style.visibility !== "hidden";
};
const page = document.documentElement.scrollWidth;
if (page > width + 1) {
  const wide = [...document.querySelectorAll("body *")].filter(
    (el) => el.scrollWidth > width + 1);
  const what = wide.slice(-3).map(name).join(", ");
  problems.push(`page is ${page} px wide in a ${width} px viewport (${what})`);
}
for (const table of document.querySelectorAll("table")) {
  if (!shown(table)) continue;
  const r = table.getBoundingClientRect();
  const room = table.parentElement.clientWidth;
  if (r.right > width + 1) problems.push(`${name(table)} ends at ${Math.round(r.right)} px`);
  if (table.scrollWidth > room + 1) {
    problems.push(`${name(table)} is ${table.scrollWidth} px wide in ${room} px`);
  }
  for (const cell of table.querySelectorAll("td, th")) {
    const text = cell.textContent.replace(/\\s+/g, "");
    if (!text || !shown(cell)) continue;
    const head = cell.closest("thead");
    if (head && head.getBoundingClientRect().width <= 1) continue;  // visually hidden header
    const range = document.createRange();
    range.selectNodeContents(cell);
    // Boxes that overlap vertically share a line (a badge sits higher than the text).
    const boxes = [...range.getClientRects()].filter((b) => b.width > 0);
    boxes.sort((a, b) => a.top - b.top);
    let lines = 0;
    let bottom = -Infinity;
    for (const box of boxes) {
      if (box.top >= bottom - 1) { lines += 1; bottom = box.bottom; }
      else bottom = Math.max(bottom, box.bottom);
    }
    if (lines > 1 && text.length / lines < 3) {
      problems.push(`${name(cell)} «${text.slice(0, 12)}» wraps into ${lines} lines`);
    }
  }
}
if (phone) {
  for (const el of document.querySelectorAll(targets)) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 43.5 || r.height < 43.5) {
      const size = `${Math.round(r.width)}×${Math.round(r.height)}`;
      problems.push(`touch target ${name(el)} «${words(el)}» is ${size} px`);
    }
  }
  for (const el of document.querySelectorAll(bodyText)) {
    if (!shown(el) || !el.textContent.trim()) continue;
    if (el.closest(".pingan-badge, code, .visually-hidden, .md-banner")) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 15.9) problems.push(`${name(el)} «${words(el)}» is set in ${size} px`);
  }
}
return problems.slice(0, 30);
"""

SITE_TARGETS = (
    ".md-header__button, .md-button, .pingan-service-links a, .pingan-pager a, "
    ".pingan-elder-toggle, .md-content input:not([type=hidden]), .md-content button, "
    ".md-content select"
)
SITE_TEXT = ".md-content :is(p, li, td, th, dd, dt, label)"
SERVICE_TARGETS = (
    ".masthead nav a, .masthead button, .logout a, .pager a, "
    "main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main select, "
    "main textarea, main button, main .choice"
)
SERVICE_TEXT = "main :is(p, li, td, th, dd, dt, label)"


def _at_width(browser, width: int) -> None:
    """Emulate a phone (mobile viewport rules) or a desk of this CSS width."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def _check(browser, assert_accessible, url: str, targets: str, text: str) -> None:
    for width in (PHONE, DESK, ZOOMED):
        _at_width(browser, width)
        browser.get(url)
        problems = browser.execute_script(MEASURE, width == PHONE, targets, text)
        assert not problems, f"{url} at {width} px:\n" + "\n".join(problems)
        assert_accessible(browser)


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def _serve(folder: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietFiles, directory=folder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _first(site: Path, folder: str) -> list[str]:
    found = sorted(path.parent.name for path in site.glob(f"{folder}/*/index.html"))
    return [f"/{folder}/{found[0]}/"] if found else []


def _one_page_of_each_kind(site: Path) -> list[str]:
    """Home, lists, the first page of each generated kind and every content page."""
    pages = ["/", "/notices/", "/quotas/", "/units/", "/units/list/1/", "/honours/"]
    pages += ["/projects/", "/stories/"]
    for folder in ("notices", "quotas", "unit", "people", "story"):
        pages += _first(site, folder)
    pages += sorted(
        f"/{path.parent.name}/"
        for path in site.glob("*/index.html")
        if path.parent.name not in GENERATED
    )
    return [page for page in pages if (site / page.strip("/") / "index.html").exists()]


@pytest.mark.parametrize("data_dir", DEPLOYMENTS, ids=lambda path: path.name)
def test_every_kind_of_site_page_reads_on_a_phone_and_a_desk(
    tmp_path, browser, assert_accessible, data_dir
):
    site = tmp_path / "site"
    build_site(data_dir, site, form_url="http://127.0.0.1:9", build_date="2026-11-23")
    pages = _one_page_of_each_kind(site)
    assert {"/", "/notices/", "/units/", "/units/list/1/"} <= set(pages)
    with _serve(site) as url:
        for page in pages:
            _check(browser, assert_accessible, url + page, SITE_TARGETS, SITE_TEXT)


@pytest.fixture(scope="module")
def office_demo(shared_demo):
    """The Wujin demo with one office account of 湖塘 and one application to list."""
    import sys

    app, url = shared_demo
    with app.app_context():
        with get_db().write() as session:
            session.add(
                User(
                    username="hutang-phone",
                    display_name="湖塘审核员",
                    unit="hutang",
                    role="administrator",
                    password_hash=hash_password(PASSWORD),
                )
            )
    sys.path.insert(0, str(ROOT / "tests" / "form_service"))
    from applicants import Applicant

    assert Applicant(app).submit(unit="hutang", name="周示例").status_code == 303
    return app, url


def test_every_form_service_page_reads_on_a_phone_and_a_desk(
    office_demo, browser, assert_accessible, screenshots
):
    _, url = office_demo
    for page in ("/apply/", "/apply/wujin-2026", "/status", "/office/login"):
        _check(browser, assert_accessible, url + page, SERVICE_TARGETS, SERVICE_TEXT)
    browser.find_element(By.ID, "username").send_keys("hutang-phone")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    # The log-in answers with a redirect to the list: wait for it (no implicit wait here).
    WebDriverWait(browser, 15).until(
        expected.presence_of_element_located((By.CSS_SELECTOR, "table.list tr.application"))
    )
    detail = browser.find_element(By.CSS_SELECTOR, "tr.application a").get_attribute("href")
    office = ["/office/applications", "/office/password", "/office/audit"]
    office += ["/office/units/hutang/import", "/office/units/hutang/export"]
    for page in [*(url + path for path in office), detail]:
        _check(browser, assert_accessible, page, SERVICE_TARGETS, SERVICE_TEXT)


def test_phone_screenshots(shared_demo, browser, screenshots):
    """docs/images/phone-*.png (with PINGAN_SAVE_SCREENSHOTS): home, a notice (at its
    table of form fields, stacked), the form."""
    _, url = shared_demo
    _at_width(browser, PHONE)
    for name, path, scroll_to in (
        ("phone-home", "/", None),
        ("phone-notice", "/notices/wujin-2026/", "table.pingan-fields"),
        ("phone-form", "/apply/wujin-2026", None),
    ):
        browser.get(url + path)
        if scroll_to:
            browser.execute_script(
                "document.querySelector(arguments[0]).scrollIntoView(); scrollBy(0, -64)",
                scroll_to,
            )
            time.sleep(0.5)  # Material's header swaps the site's name for the page's
        assert browser.save_screenshot(str(screenshots / f"{name}.png"))


def _elder_mode_on(browser) -> bool:
    pressed = browser.find_element(By.CSS_SELECTOR, "[data-elder-toggle]")
    on = browser.execute_script(
        "return document.documentElement.classList.contains('pingan-elder')"
    )
    assert pressed.get_attribute("aria-pressed") == ("true" if on else "false")
    return on


@pytest.mark.parametrize(
    "first, second",
    [("/", "/notices/wujin-2026/"), ("/apply/", "/status")],
    ids=["site", "form-service"],
)
def test_elder_mode_stays_on_across_pages(shared_demo, browser, assert_accessible, first, second):
    """长辈模式 is switched on once and holds on the next page, at phone width, still
    without overflow; switched off, it stays off."""
    _, url = shared_demo
    _at_width(browser, PHONE)
    browser.get(url + first)
    assert not _elder_mode_on(browser)
    browser.find_element(By.CSS_SELECTOR, "[data-elder-toggle]").click()
    assert _elder_mode_on(browser)
    browser.get(url + second)
    assert _elder_mode_on(browser)
    assert (
        browser.execute_script(
            "return parseFloat(getComputedStyle(document.documentElement).fontSize)"
        )
        >= 20
    )
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth"
    )
    assert overflow <= 1
    assert_accessible(browser)
    browser.find_element(By.CSS_SELECTOR, "[data-elder-toggle]").click()
    browser.get(url + first)
    assert not _elder_mode_on(browser)


def test_the_site_and_the_service_share_one_elder_mode_script():
    site = ROOT / "theme" / "assets" / "javascripts" / "elder-mode.js"
    service = ROOT / "form_service" / "static" / "elder-mode.js"
    assert site.read_text(encoding="utf-8") == service.read_text(encoding="utf-8")
