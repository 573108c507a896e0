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
import datetime
import functools
import json
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from chromium import click_and_wait
from phone_layout import (
    SERVICE_TARGETS,
    SERVICE_TEXT,
    SITE_TARGETS,
    SITE_TEXT,
    at_width,
    problems,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as expected
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from form_service.certificate_models import ServiceCertificate
from form_service.db import get_db
from form_service.honour_models import HonourNomination
from form_service.models import Application
from form_service.office.auth import hash_password
from form_service.office.exports import wait_for_jobs
from form_service.office_models import User
from form_service.volunteer_models import VolunteerRecord
from pingan.deployment import load_deployment
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
GENERATED |= {"projects", "stories", "story", "activities", "activity"}
PASSWORD = "correct horse battery"


def _check(browser, assert_accessible, url: str, targets: str, text: str) -> None:
    for width in (PHONE, DESK, ZOOMED):
        at_width(browser, width)
        browser.get(url)
        found = problems(browser, width, targets, text)
        assert not found, f"{url} at {width} px:\n" + "\n".join(found)
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
    pages += ["/projects/", "/stories/", "/activities/"]
    pages += [f"/activities/unit/{name}/" for name in _unit_lists(site)[:1]]
    for folder in ("notices", "quotas", "unit", "people", "story", "activity"):
        pages += _first(site, folder)
    pages += sorted(
        f"/{path.parent.name}/"
        for path in site.glob("*/index.html")
        if path.parent.name not in GENERATED
    )
    return [page for page in pages if (site / page.strip("/") / "index.html").exists()]


def _unit_lists(site: Path) -> list[str]:
    return sorted(path.parent.name for path in site.glob("activities/unit/*/index.html"))


def _activities(data_dir: Path, out: Path) -> Path:
    """An activities.json of the deployment: one ahead of the build day with a long title and
    place, one ended, both of the root unit."""
    deployment = load_deployment(data_dir)
    root = next(iter(deployment.tree.walk()))[0].id
    rules = deployment.records
    service_type = next(iter(rules.service_types.values())) if rules else "社会治安巡逻"
    common = {
        "unit": root,
        "content": "在主要街道和居民小区开展夜间巡逻。\n发现可疑情况及时报告。",
        "training": False,
        "service_type": service_type,
        "requirements": "身体健康，能步行两小时。",
        "open_to": "public",
        "published": "2026-11-20",
    }
    activities = [
        {
            **common,
            "id": 1,
            "title": "春节前夜间社会治安巡逻暨平安建设宣传志愿服务活动（示例）",
            "place": "镇人民政府门前广场集合，分组前往各居民小区和主要街道",
            "starts": "2026-12-05T19:00:00+08:00",
            "ends": "2026-12-05T21:30:00+08:00",
            "places": 20,
            "signed_up": 8,
            "example": True,
        },
        {
            **common,
            "id": 2,
            "title": "安全防范宣传",
            "place": "社区广场",
            "starts": "2026-10-01T09:00:00+08:00",
            "ends": "2026-10-01T11:00:00+08:00",
            "places": 10,
            "signed_up": 10,
        },
    ]
    document = {"format": "pingan-activities/1", "deployment": deployment.id}
    out.write_text(json.dumps({**document, "activities": activities}, ensure_ascii=False), "utf-8")
    return out


@pytest.mark.parametrize("data_dir", DEPLOYMENTS, ids=lambda path: path.name)
def test_every_kind_of_site_page_reads_on_a_phone_and_a_desk(
    tmp_path, browser, assert_accessible, data_dir
):
    site = tmp_path / "site"
    activities = _activities(data_dir, tmp_path / "activities.json")
    build_site(
        data_dir,
        site,
        form_url="http://127.0.0.1:9",
        build_date="2026-11-23",
        activities=activities,
    )
    pages = _one_page_of_each_kind(site)
    assert {"/", "/notices/", "/units/", "/units/list/1/"} <= set(pages)
    assert {"/activities/", "/activity/1/"} <= set(pages)
    with _serve(site) as url:
        for page in pages:
            _check(browser, assert_accessible, url + page, SITE_TARGETS, SITE_TEXT)


def _statistics(path: Path, deployment: str, campaign: str, units: list[str]) -> Path:
    """Counts as ``pingan statistics export`` writes them: every kind of chart has data."""
    start = datetime.date(2026, 9, 1)
    applications = [
        {
            "campaign": campaign,
            "unit": unit,
            "day": (start + datetime.timedelta(days=3 * n + k)).isoformat(),
            "applications": 5 + n + k,
            "registered": n,
        }
        for n, unit in enumerate(units)
        for k in range(3)
    ]
    hours = [{"unit": units[0], "month": f"2026-{m:02d}", "minutes": 600 * m} for m in range(1, 12)]
    stations = [
        {"unit": unit, "applications": 10 - n, "registered": 5 - n} for n, unit in enumerate(units)
    ]
    document = {
        "format": "pingan-statistics/1",
        "deployment": deployment,
        "day": "2026-11-20",
        "applications": applications,
        "volunteers": [],
        "hours": hours,
        "stations": stations,
    }
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_chart_pages_read_on_a_phone_and_a_desk(tmp_path, browser, assert_accessible):
    """The quota page's progress charts (34 bars, long names), a notice's applications over
    time, and the hours and station ranking of the county alliance's 数据统计 page and a
    town's hours."""
    shanxi = ROOT / "examples" / "shanxi-youth"
    units = ["taiyuan", "datong", "sxu", "sxtcm", "sasac"]
    site = tmp_path / "shanxi"
    counts = _statistics(tmp_path / "shanxi.json", "shanxi-youth", "shanxi-2026", units)
    build_site(
        shanxi, site, form_url="http://127.0.0.1:9", build_date="2026-11-23", statistics=counts
    )
    county = ROOT / "examples" / "county-alliance"
    stations = ["kaifaqu-village", "kaifaqu-community", "qutang-village"]
    county_site = tmp_path / "county"
    counts = _statistics(tmp_path / "county.json", "county-alliance", "county-2026", stations)
    build_site(
        county,
        county_site,
        form_url="http://127.0.0.1:9",
        build_date="2026-11-23",
        statistics=counts,
    )
    for folder, pages in [
        (site, ["/quotas/shanxi-2026/", "/notices/shanxi-2026/"]),
        (county_site, ["/statistics/", "/unit/kaifaqu/"]),
    ]:
        with _serve(folder) as url:
            for page in pages:
                browser.get(url + page)
                assert browser.find_elements(By.CSS_SELECTOR, "figure.pingan-chart svg")
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
            # A nomination under notice, for the honours pages (表彰提名).
            today = datetime.date.today()
            session.add(
                HonourNomination(
                    deployment="wujin",
                    unit="hutang",
                    name="赵示例",
                    honour="平安志愿者先进个人",
                    year=today.year,
                    deeds="坚持夜间巡逻六年，协助调解邻里纠纷二十余起，带动十多位邻居加入服务分队。",
                    consent_date=today,
                    consent_method="书面",
                    notice_starts=today,
                    notice_ends=today + datetime.timedelta(days=6),
                    objections="如有异议，请向湖塘平安志愿者工作站反映，电话 0519-00000000。",
                )
            )
            # A volunteer's record, to nominate from (the search and the picked record).
            session.add(
                VolunteerRecord(
                    deployment="wujin",
                    id_hmac="phone-width-nominee",
                    volunteer_number="WJ2026000999",
                    name="孙示例",
                    id_last4="123X",
                    unit="hutang",
                    skills=[],
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
    for page in ("/apply/", "/apply/wujin-2026", "/status", "/verify", "/office/login"):
        _check(browser, assert_accessible, url + page, SERVICE_TARGETS, SERVICE_TEXT)
    _log_in(browser, url)
    detail = browser.find_element(By.CSS_SELECTOR, "tr.application a").get_attribute("href")
    office = ["/office/applications", "/office/password", "/office/audit"]
    office += ["/office/units/hutang/import", "/office/units/hutang/export"]
    office += ["/office/units/hutang/hours-import", "/office/volunteers"]
    office += [
        "/office/units/hutang/posters",
        "/office/units/hutang/grid-workers",
        "/office/honours",
        "/office/honours/new",
    ]
    browser.get(url + "/office/honours")
    nomination = browser.find_element(By.CSS_SELECTOR, "#nominations a").get_attribute("href")
    search = url + "/office/honours/new?q=孙示例"
    browser.get(search)
    picked = browser.find_element(By.CSS_SELECTOR, "#records-found a").get_attribute("href")
    for page in [*(url + path for path in office), detail, nomination, search, picked]:
        _check(browser, assert_accessible, page, SERVICE_TARGETS, SERVICE_TEXT)


def _log_in(browser, url: str) -> None:
    browser.get(url + "/office/login")
    browser.delete_all_cookies()
    browser.get(url + "/office/login")
    browser.find_element(By.ID, "username").send_keys("hutang-phone")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    # The log-in answers with a redirect to the list: wait for it (no implicit wait here).
    WebDriverWait(browser, 15).until(
        expected.presence_of_element_located((By.CSS_SELECTOR, "table.list tr.application"))
    )


def _check_open_page(browser, assert_accessible, width: int) -> None:
    found = problems(browser, width, SERVICE_TARGETS, SERVICE_TEXT)
    assert not found, f"{browser.current_url} at {width} px:\n" + "\n".join(found)
    assert_accessible(browser)


@pytest.mark.parametrize("width", [PHONE, ZOOMED])
def test_pages_reached_by_an_action_read_on_a_phone(
    office_demo, browser, assert_accessible, tmp_path, width
):
    """The pages a GET cannot open: a status result, a registration's certificate, an import's
    report of refused rows, an export job's progress page; and the office's own 404 page."""
    app, url = office_demo
    with app.app_context(), get_db().sessions() as session:
        reference, last4 = session.execute(
            select(Application.reference, Application.id_last4).order_by(Application.id)
        ).first()
    at_width(browser, width)

    browser.get(url + "/status")
    browser.find_element(By.ID, "input-reference").send_keys(reference)
    browser.find_element(By.ID, "input-last4").send_keys(last4)
    click_and_wait(browser, (By.CSS_SELECTOR, "main button[type=submit]"))
    assert browser.find_elements(By.ID, "stage")
    _check_open_page(browser, assert_accessible, width)

    _log_in(browser, url)
    browser.get(browser.find_element(By.CSS_SELECTOR, "tr.application a").get_attribute("href"))
    if browser.find_elements(By.ID, "approve"):
        click_and_wait(browser, (By.ID, "approve"))
    browser.get(browser.find_element(By.ID, "certificate-link").get_attribute("href"))
    assert "/certificate" in browser.current_url
    _check_open_page(browser, assert_accessible, width)

    roster = tmp_path / "roster.csv"
    roster.write_text("姓名,身份证号码,手机号码\n王示例,320412198804093571,1380013\n", "utf-8")
    browser.get(url + "/office/units/hutang/import")
    browser.find_element(By.ID, "roster").send_keys(str(roster))
    browser.find_element(By.NAME, "consent").click()
    click_and_wait(browser, (By.CSS_SELECTOR, "main form[enctype] button[type=submit]"))
    assert browser.find_element(By.ID, "import-report").text
    _check_open_page(browser, assert_accessible, width)

    # Every export runs as a job while the threshold is 0, so the job page shows.
    threshold = app.config["EXPORT_BACKGROUND_THRESHOLD"]
    app.config["EXPORT_BACKGROUND_THRESHOLD"] = 0
    try:
        browser.get(url + "/office/units/hutang/export")
        click_and_wait(browser, (By.ID, "export-masked"))
        assert "/office/exports/" in browser.current_url
        _check_open_page(browser, assert_accessible, width)
    finally:
        app.config["EXPORT_BACKGROUND_THRESHOLD"] = threshold
        wait_for_jobs(app)

    browser.get(url + "/office/applications/999999999")
    assert browser.find_elements(By.CSS_SELECTOR, "main a[href$='/office/applications']")
    _check_open_page(browser, assert_accessible, width)


def test_phone_screenshots(shared_demo, browser, screenshots):
    """docs/images/phone-*.png (with PINGAN_SAVE_SCREENSHOTS): home, a notice (at its
    table of form fields, stacked), the form."""
    _, url = shared_demo
    at_width(browser, PHONE)
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
    at_width(browser, PHONE)
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


def test_the_site_and_the_service_share_one_elder_mode_script(shared_demo):
    """One file, two origins: the service serves the theme's script, not a copy of it."""
    import urllib.request

    _, url = shared_demo
    site = ROOT / "theme" / "assets" / "javascripts" / "elder-mode.js"
    with urllib.request.urlopen(url + "/form-static/elder-mode.js") as response:
        assert response.read() == site.read_bytes()
    assert not (ROOT / "form_service" / "static" / "elder-mode.js").exists()


#: A certificate of service record of the demo (form_service/service_certificates.py).
CERTIFICATE_CODE = "PHNE2345ABCD"


def _certified(app) -> tuple[int, int]:
    """A hutang volunteer's record and a certificate issued for it (made once per module)."""
    with app.app_context(), get_db().write() as session:
        certificate = session.scalar(
            select(ServiceCertificate).where(ServiceCertificate.code == CERTIFICATE_CODE)
        )
        if certificate is None:
            record = VolunteerRecord(
                deployment="wujin",
                id_hmac="phone-width-record",
                volunteer_number="PHONE0001",
                name="孙示例明",
                id_last4="1234",
                unit="hutang",
                skills=[],
                minutes=270,
                activities=2,
            )
            session.add(record)
            session.flush()
            certificate = ServiceCertificate(
                deployment="wujin",
                code=CERTIFICATE_CODE,
                record_id=record.id,
                name=record.name,
                volunteer_number=record.volunteer_number,
                volunteer_unit="hutang",
                unit="hutang",
                minutes=270,
                activities=2,
                period_start=datetime.date(2026, 10, 1),
                period_end=datetime.date(2026, 11, 20),
            )
            session.add(certificate)
            session.flush()
        return certificate.record_id, certificate.id


@pytest.mark.parametrize("width", [PHONE, ZOOMED])
def test_a_certificate_of_service_record_reads_and_verifies_on_a_phone(
    office_demo, browser, assert_accessible, width
):
    """The record page that issues it, its print view (styled under its own policy, no
    sideways scrolling) and the /verify result."""
    app, url = office_demo
    record_id, certificate_id = _certified(app)
    at_width(browser, width)
    _log_in(browser, url)
    browser.get(f"{url}/office/volunteers/{record_id}")
    assert browser.find_element(By.ID, "certificate-form")
    _check_open_page(browser, assert_accessible, width)

    browser.get(f"{url}/office/service-certificates/{certificate_id}")
    title = browser.find_element(By.ID, "certificate-title")
    assert title.value_of_css_property("text-align") == "center"  # the style was allowed
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the print view scrolls sideways by {overflow} px at {width} px"

    browser.get(url + "/verify")
    browser.find_element(By.ID, "input-code").send_keys("phne-2345-abcd")
    click_and_wait(browser, (By.CSS_SELECTOR, "main button[type=submit]"))
    assert browser.find_element(By.ID, "verify-name").text == "孙**明"
    _check_open_page(browser, assert_accessible, width)
