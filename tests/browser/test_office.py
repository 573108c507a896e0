"""The offices' pages in headless Chromium: log in, review, export, import, audit, certificate,
password; axe-core checks every page on the way.

An office administrator of 湖塘 logs in (after one wrong password), rejects an application
made through the public form and reopens it, registers the applicant with one approval,
downloads the data package from the background job's page, opens the certificate, the
import and audit pages, and changes their password. An applicant withdraws a pending
application on the status page.
"""

from __future__ import annotations

import datetime
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from chromium import wait_until_gone
from cryptography.fernet import Fernet
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as expected
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select
from werkzeug.serving import make_server

from form_service import create_app
from form_service.db import get_db
from form_service.models import Application
from form_service.office.auth import hash_password
from form_service.office_models import User

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a much longer passphrase"
TODAY = datetime.date(2026, 11, 23)
#: Wujin's one stage after submission: 审核通过之后该申请人即成为注册的平安志愿者.
REGISTERED = "综治办审核通过，成为注册的平安志愿者"

pytestmark = pytest.mark.browser


@pytest.fixture
def downloads(tmp_path, browser):
    """Where the browser saves downloads, without asking (set through DevTools)."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)}
    )
    return folder


@pytest.fixture
def service(tmp_path):
    """The form service with one office administrator, on a loopback port.

    Every export runs as a background job (threshold 0), so the job's page is visited too.
    """
    app = create_app(
        {
            "DATA_DIR": str(ROOT / "data"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'office.sqlite3'}",
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "SECRET_KEY": "browser-test",
            "DATA_KEYS": Fernet.generate_key().decode(),
            "HMAC_KEY": "browser-test",
            "TODAY": TODAY,
            "RATELIMIT_ENABLED": False,
            "SMTP": None,
            "EXPORT_BACKGROUND_THRESHOLD": 0,
        }
    )
    with app.app_context():
        with get_db().write() as session:
            session.add(
                User(
                    username="hutang",
                    display_name="湖塘审核员",
                    unit="hutang",
                    role="administrator",
                    password_hash=hash_password(PASSWORD),
                )
            )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = url
    yield app, url
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        get_db().dispose()


def _apply(app) -> str:
    """One application through the public form (test client): returns its reference."""
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "form_service"))
    from applicants import Applicant

    response = Applicant(app).submit(unit="hutang", name="周示例")
    assert response.status_code == 303
    with app.app_context(), get_db().sessions() as session:
        return session.scalar(select(Application.reference))


def _wait_for_file(folder: Path, suffix: str, timeout: float = 20.0, contains: str = "") -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.suffix == suffix and contains in p.name]
        if done and not any(p.suffix == ".crdownload" for p in folder.iterdir()):
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file downloaded: {list(folder.iterdir())}")


def _wait_for_download_link(browser, timeout: float = 20.0):
    """The job page's download link, following its refresh link while the job runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = browser.find_elements(By.CSS_SELECTOR, "#download, #refresh")
        found = [element for element in found if element.get_attribute("id") == "download"]
        if found:
            return found[0]
        time.sleep(0.3)
        browser.find_element(By.ID, "refresh").click()
    raise AssertionError(f"the export job never finished: {browser.current_url}")


def _submit(browser, element_id: str) -> None:
    """Press a button whose form answers on a page of the same address, and wait for it.

    The old page going stale is the only sign that the answer has arrived: until then
    ``find_element`` would find the old page's elements.
    """
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, element_id).click()
    wait_until_gone(browser, page)


def _log_in(browser, password: str) -> None:
    browser.find_element(By.ID, "username").clear()
    browser.find_element(By.ID, "username").send_keys("hutang")
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()


def test_an_office_user_reviews_exports_and_registers_on_accessible_pages(
    service, browser, downloads, assert_accessible
):
    app, url = service
    reference = _apply(app)
    browser.implicitly_wait(5)  # a submitted form's next page may not be there yet

    browser.get(f"{url}/office/")
    assert "/office/login" in browser.current_url
    assert_accessible(browser)
    _log_in(browser, "wrong password 1")
    assert browser.find_element(By.ID, "login-error").text == "用户名或密码不正确"
    assert_accessible(browser)
    _log_in(browser, PASSWORD)

    row = browser.find_element(By.CSS_SELECTOR, "tr.application")
    assert row.find_element(By.CSS_SELECTOR, ".name").text == "周示例"
    assert_accessible(browser)
    row.find_element(By.CSS_SELECTOR, "a").click()
    assert browser.find_element(By.ID, "reference").text == f"{reference[:5]}-{reference[5:]}"
    assert "*" in browser.find_element(By.ID, "id-number").text
    assert_accessible(browser)
    browser.find_element(By.ID, "reason").send_keys("注册地址不详，请补充到村")
    _submit(browser, "reject")
    assert browser.find_element(By.ID, "stage").text == "未通过审核"
    assert_accessible(browser)  # the reopen form
    browser.find_element(By.ID, "reopen-reason").send_keys("地址已电话核实，恢复审核")
    _submit(browser, "reopen")
    assert browser.find_element(By.ID, "stage").text == "已提交"
    assert "已恢复审核" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    _submit(browser, "approve")  # Wujin: one 审核 registers
    assert browser.find_element(By.ID, "stage").text == REGISTERED
    assert browser.find_element(By.ID, "volunteer-number").text
    assert "已将报名" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    assert_accessible(browser)
    detail = browser.current_url

    browser.get(f"{url}/office/units/hutang/export")
    assert_accessible(browser)
    browser.find_element(By.ID, "export-masked").click()
    WebDriverWait(browser, 10).until(expected.url_contains("/office/exports/"))
    assert_accessible(browser)
    _wait_for_download_link(browser).click()
    assert_accessible(browser)
    package = _wait_for_file(downloads, ".zip")
    with zipfile.ZipFile(package) as archive:
        assert archive.testzip() is None
        assert {"datapackage.json", "wujin-2026.csv", "roster.xlsx"} <= set(archive.namelist())
        archive.extract("roster.xlsx", downloads)
    sheet = openpyxl.load_workbook(downloads / "roster.xlsx").worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["姓名", "性别", "年龄", "身份证号"]
    values = [cell.value for cell in sheet[2]]
    assert values[0] == "周示例"
    assert values[headers.index("审核阶段")] == REGISTERED

    # The data package alone: chosen by its label, a job of its own, a file named for it.
    browser.get(f"{url}/office/units/hutang/export")
    browser.find_element(By.CSS_SELECTOR, "label[for=export-package-csv]").click()
    assert browser.find_element(By.ID, "export-package-csv").is_selected()
    browser.find_element(By.ID, "export-masked").click()
    WebDriverWait(browser, 10).until(expected.url_contains("/office/exports/"))
    _wait_for_download_link(browser).click()
    assert "仅 CSV" in browser.find_element(By.ID, "job-state").text
    assert_accessible(browser)
    data_package = _wait_for_file(downloads, ".zip", contains="-csv-")
    with zipfile.ZipFile(data_package) as archive:
        names = set(archive.namelist())
    assert {"datapackage.json", "wujin-2026.csv"} <= names
    assert not any(name.endswith(".xlsx") for name in names)

    browser.get(detail)
    browser.find_element(By.ID, "certificate-link").click()
    assert browser.find_element(By.ID, "certificate-title").text == "平安志愿者证书"
    assert_accessible(browser)
    browser.get(detail)

    _submit(browser, "show-full-id")
    assert "*" not in browser.find_element(By.ID, "id-number").text
    assert_accessible(browser)

    browser.get(f"{url}/office/applications?unit=hutang-village-a")
    assert browser.find_element(By.CSS_SELECTOR, ".unit-path a").text == "湖塘平安志愿者工作站"
    assert_accessible(browser)

    browser.get(f"{url}/office/units/hutang/import")
    assert_accessible(browser)
    empty = downloads / "empty.csv"
    empty.write_text("姓名,身份证号\n", encoding="utf-8")
    browser.find_element(By.ID, "roster").send_keys(str(empty))
    browser.find_element(By.NAME, "consent").click()
    browser.find_element(By.CSS_SELECTOR, "main form[enctype] button[type=submit]").click()
    assert browser.find_element(By.ID, "import-report").text
    assert_accessible(browser)
    browser.get(f"{url}/office/audit")
    assert browser.find_elements(By.CSS_SELECTOR, "tr.audit-event")
    assert_accessible(browser)

    browser.find_element(By.CSS_SELECTOR, ".masthead a[href='/office/password']").click()
    assert_accessible(browser)
    browser.find_element(By.ID, "current-password").send_keys(PASSWORD)
    browser.find_element(By.ID, "new-password").send_keys(NEW_PASSWORD)
    browser.find_element(By.ID, "repeat-password").send_keys(NEW_PASSWORD)
    _submit(browser, "change-password")
    assert "密码已修改" in browser.find_element(By.CSS_SELECTOR, ".flash").text
    assert_accessible(browser)


def test_an_applicant_withdraws_on_an_accessible_status_page(service, browser, assert_accessible):
    app, url = service
    reference = _apply(app)
    with app.app_context(), get_db().sessions() as session:
        last4 = session.scalar(select(Application.id_last4))
    browser.implicitly_wait(5)
    browser.get(f"{url}/status")
    browser.find_element(By.ID, "input-reference").send_keys(reference)
    browser.find_element(By.ID, "input-last4").send_keys(last4)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    assert browser.find_element(By.ID, "stage").text == "已提交"
    assert_accessible(browser)  # the withdraw form
    browser.find_element(By.ID, "input-confirm").click()
    browser.find_element(By.ID, "withdraw-button").click()
    assert browser.find_element(By.ID, "status-notice").text == "您已撤回本次报名。"
    assert browser.find_element(By.ID, "stage").text == "已撤回"
    assert "重新报名" in browser.find_element(By.ID, "apply-again").text
    assert_accessible(browser)
