"""An office user logs in, approves an application and downloads the export (headless Chromium)."""

from __future__ import annotations

import datetime
import os
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from cryptography.fernet import Fernet
from werkzeug.serving import make_server

from form_service import create_app
from form_service.db import get_db
from form_service.office_models import User

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.browser


@pytest.fixture
def downloads(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def chromium(tmp_path, downloads):
    """Debian's Chromium, headless, saving downloads into *downloads* without asking."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} or {CHROMEDRIVER} is missing; CI must run the browser tests")
        pytest.skip("Chromium is not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--lang=zh-CN",
        "--window-size=1200,1400",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def service(tmp_path):
    """The form service with one office account and one application, on a loopback port."""
    app = create_app(
        {
            "DATA_DIR": str(ROOT / "data"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'office.sqlite3'}",
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "SECRET_KEY": "browser-test",
            "DATA_KEYS": Fernet.generate_key().decode(),
            "HMAC_KEY": "browser-test",
            "TODAY": datetime.date(2026, 11, 23),
            "RATELIMIT_ENABLED": False,
            "SMTP": None,
        }
    )
    from form_service.office.auth import hash_password

    with app.app_context():
        with get_db().write() as session:
            session.add(
                User(
                    username="hutang",
                    display_name="湖塘审核员",
                    unit="hutang",
                    role="reviewer",
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
    with app.app_context():
        get_db().dispose()


def _apply(app) -> str:
    """One application through the public form (test client): returns its reference."""
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "form_service"))
    from applicants import Applicant

    response = Applicant(app).submit(unit="hutang", name="周示例")
    assert response.status_code == 303
    from sqlalchemy import select

    from form_service.models import Application

    with app.app_context():
        with get_db().sessions() as session:
            return session.scalar(select(Application.reference))


def _wait_for_file(folder: Path, suffix: str, timeout: float = 20.0) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.suffix == suffix]
        if done and not any(p.suffix == ".crdownload" for p in folder.iterdir()):
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} file downloaded: {list(folder.iterdir())}")


def test_an_office_user_logs_in_approves_and_downloads_the_export(service, chromium, downloads):
    from selenium.webdriver.common.by import By

    app, url = service
    reference = _apply(app)

    chromium.get(f"{url}/office/")
    assert "/office/login" in chromium.current_url
    chromium.find_element(By.ID, "username").send_keys("hutang")
    chromium.find_element(By.ID, "password").send_keys(PASSWORD)
    chromium.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

    row = chromium.find_element(By.CSS_SELECTOR, "tr.application")
    assert row.find_element(By.CSS_SELECTOR, ".name").text == "周示例"
    row.find_element(By.CSS_SELECTOR, "a").click()
    assert chromium.find_element(By.ID, "reference").text == f"{reference[:5]}-{reference[5:]}"
    assert "*" in chromium.find_element(By.ID, "id-number").text
    chromium.find_element(By.ID, "approve").click()
    assert chromium.find_element(By.ID, "stage").text == "综治办审核通过"
    assert "已将报名" in chromium.find_element(By.CSS_SELECTOR, ".flash").text

    chromium.get(f"{url}/office/units/hutang/export")
    chromium.find_element(By.ID, "export-masked").click()
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
    assert values[headers.index("审核阶段")] == "综治办审核通过"
