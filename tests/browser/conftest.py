"""Browser fixtures: headless Debian Chromium, and the demo (site + form service) on a real port.

A missing Chromium skips the browser tests on a developer machine but fails them when the
environment variable CI is set. No tool ever downloads a browser.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from werkzeug.serving import make_server

from form_service import create_app
from form_service.db import get_db

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def browser(tmp_path):
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
        "--window-size=1000,1400",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def demo(tmp_path):
    """Wujin's site built against a live form service, both served on one loopback port."""
    app = create_app(
        {
            "DATA_DIR": str(ROOT / "data"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "SECRET_KEY": "browser-test",
            "DATA_KEYS": Fernet.generate_key().decode(),
            "HMAC_KEY": "browser-test",
            "TODAY": TODAY,
            "RATELIMIT_ENABLED": False,
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = url
    site_dir = tmp_path / "site"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pingan.cli",
            "build",
            str(ROOT / "data"),
            "--site-dir",
            str(site_dir),
            "--form-url",
            url,
            "--build-date",
            TODAY.isoformat(),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert build.returncode == 0, build.stderr
    app.config["SITE_DIR"] = str(site_dir)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, url
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        get_db().dispose()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where screenshots go: docs/images when PINGAN_SAVE_SCREENSHOTS is set, else tmp."""
    if os.environ.get("PINGAN_SAVE_SCREENSHOTS"):
        return ROOT / "docs" / "images"
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return folder
