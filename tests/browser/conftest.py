"""Browser fixtures: headless Debian Chromium, the demo (site + form service) on a real port,
and an axe-core accessibility check to run on every page a test visits.

A missing Chromium (or npm, for axe-core) skips the browser tests on a developer machine but
fails them when the environment variable CI is set. No tool ever downloads a browser.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from accessibility import assert_accessible, axe_source
from chromium import start_chromium
from cryptography.fernet import Fernet
from flask import Flask
from werkzeug.serving import make_server

from form_service import create_app
from form_service.db import get_db

ROOT = Path(__file__).resolve().parents[2]
TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def browser(tmp_path):
    driver = start_chromium(tmp_path / "chromium-profile")
    yield driver
    driver.quit()


@pytest.fixture(name="assert_accessible")
def assert_accessible_fixture():
    """``assert_accessible(driver, exclude=((rule, selector), ...))`` after each page or step.

    Installs the pinned axe-core on first use (skipped locally, failing in CI, without npm).
    """
    axe_source()
    return assert_accessible


def _config(folder: Path, data_dir: Path) -> dict:
    return {
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
        "INSTANCE_DIR": str(folder / "instance"),
        "SECRET_KEY": "browser-test",
        "DATA_KEYS": Fernet.generate_key().decode(),
        "HMAC_KEY": "browser-test",
        "TODAY": TODAY,
        "RATELIMIT_ENABLED": False,
    }


@contextlib.contextmanager
def serving(app: Flask) -> Iterator[str]:
    """*app* served on a loopback port by a thread; yields its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            get_db().dispose()


@contextlib.contextmanager
def serve_demo(folder: Path) -> Iterator[tuple[Flask, str]]:
    """Wujin's site built against a live form service, both served on one loopback port."""
    app = create_app(_config(folder, ROOT / "data"))
    with serving(app) as url:
        app.config["PUBLIC_URL"] = url
        site_dir = folder / "site"
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
        yield app, url


@pytest.fixture
def form_service(tmp_path):
    """``form_service(data_dir)`` → (app, url): another deployment's form service alone,
    for pages that need no site (the county alliance's records)."""
    with contextlib.ExitStack() as stack:

        def start(data_dir: Path) -> tuple[Flask, str]:
            app = create_app(_config(tmp_path, data_dir))
            return app, stack.enter_context(serving(app))

        yield start


@pytest.fixture
def demo(tmp_path):
    """(app, url) of a fresh demo for a test that stores applications."""
    with serve_demo(tmp_path) as served:
        yield served


@pytest.fixture(scope="module")
def shared_demo(tmp_path_factory):
    """(app, url) of one demo for a module of tests that only read pages."""
    with serve_demo(tmp_path_factory.mktemp("demo")) as served:
        yield served


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where screenshots go: docs/images when PINGAN_SAVE_SCREENSHOTS is set, else tmp."""
    if os.environ.get("PINGAN_SAVE_SCREENSHOTS"):
        return ROOT / "docs" / "images"
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return folder
