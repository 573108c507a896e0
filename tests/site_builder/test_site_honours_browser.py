"""The honour roll with a nomination under notice, a person page with a processed photo and
a story with pictures read at 360 px, at 1280 px and at 200 % zoom, and pass axe-core."""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from accessibility import assert_accessible, axe_source
from chromium import start_chromium
from phone_layout import SITE_TARGETS, SITE_TEXT, at_width, problems
from site_helpers import phone_jpeg

pytestmark = pytest.mark.browser


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietFiles, directory=folder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser(tmp_path: Path):
    driver = start_chromium(tmp_path / "chromium-profile")
    yield driver
    driver.quit()


def test_notice_photo_and_story_pages_read_everywhere(copy_of_wujin, tmp_path, build_site, browser):
    axe_source()
    (copy_of_wujin / "photos").mkdir()
    phone_jpeg(copy_of_wujin / "photos" / "zhang.jpg")
    honours = copy_of_wujin / "honours.yaml"
    text = honours.read_text(encoding="utf-8")
    text = text.replace("    unit: hutang\n", "    unit: hutang\n    photo: zhang.jpg\n", 1)
    text = text.replace(
        "    volunteers: [zhang-demo]\n", "    volunteers: [zhang-demo]\n    photos: [zhang.jpg]\n"
    )
    honours.write_text(text, encoding="utf-8")
    notice = {"starts": "2026-11-21", "ends": "2026-11-27", "objections": "请致电区综治办反映"}
    common = {"unit": "hutang", "honour": "平安志愿者先进个人", "withdrawn": False}
    consent = {"date": "2026-11-10", "method": "书面"}
    decisions = [
        {"nomination": 1, "name": "陈示例", "year": 2026, "deeds": "组织楼道巡逻队。", **common},
        {"nomination": 2, "name": "张示例", "year": 2025, "deeds": "夜间巡逻。", **common},
    ]
    for decision in decisions:
        decision.update(consent=consent, notice=notice)
    path = tmp_path / "honours.json"
    document = {"format": "pingan-honour-decisions/1", "deployment": "wujin", "honours": decisions}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    site = build_site(copy_of_wujin, build_date="2026-11-23", honours=path)

    with serve(site) as url:
        for page in ("/honours/", "/people/zhang-demo/", "/story/patrol-six-years/"):
            for width in (360, 1280, 640):
                at_width(browser, width)
                browser.get(url + page)
                found = problems(browser, width, SITE_TARGETS, SITE_TEXT)
                assert not found, f"{page} at {width} px:\n" + "\n".join(found)
                assert_accessible(browser)
