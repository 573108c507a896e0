"""``pingan preview``: saving a data file rebuilds the site, open pages reload themselves, and a
data error is shown on the page. A real server on a loopback port, real files edited."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from site_helpers import ROOT

from site_builder.preview import serve_preview

pytestmark = pytest.mark.slow

STORY_PAGE = "story/community-guard/"
OLD_TEXT = "楼道盗窃明显减少。"
NEW_TEXT = "楼道盗窃明显减少，预览中修改的句子在这里。"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def _eventually(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the preview did not catch up with the edit"
        time.sleep(0.1)


@pytest.fixture
def preview(tmp_path) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path / "chongqing"
    shutil.copytree(ROOT / "examples" / "chongqing", data_dir)
    port = _free_port()
    server = serve_preview(data_dir, host="127.0.0.1", port=port)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()  # serve() binds the port in the thread: wait until it listens
    _eventually(lambda: _listening(port), seconds=10)
    try:
        yield f"http://127.0.0.1:{port}/", data_dir
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.preview.remove()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _index_text(url: str) -> str:
    docs = json.loads(_get(url + "search/search_index.json"))["docs"]
    return "".join(doc["text"] for doc in docs).replace("\u200b", "")


def test_an_edited_story_is_rebuilt_with_its_listing_and_search_index(preview):
    url, data_dir = preview
    assert OLD_TEXT in _get(url + STORY_PAGE)
    assert NEW_TEXT not in _index_text(url)

    _edit(data_dir / "honours.yaml", OLD_TEXT, NEW_TEXT)

    _eventually(lambda: NEW_TEXT in _get(url + STORY_PAGE))
    assert NEW_TEXT in _index_text(url)
    assert "预览中修改的句子" in _get(url + "stories/")  # the list's excerpt
    assert "community-guard" in _get(url + "sitemap.xml")


def test_a_data_error_is_shown_on_every_page_until_it_is_fixed(preview):
    url, data_dir = preview
    units = data_dir / "units.yaml"
    good = units.read_text(encoding="utf-8")
    units.write_text(good + "broken: [\n", encoding="utf-8")

    _eventually(lambda: "数据有误，网站未更新" in _get(url + STORY_PAGE))
    page = _get(url + STORY_PAGE)
    assert "units.yaml" in page
    assert "数据有误" in _get(url)  # any page, not only the one being edited
    assert "/livereload/" in page  # it reloads itself once the data is fixed

    units.write_text(good, encoding="utf-8")
    _eventually(lambda: OLD_TEXT in _get(url + STORY_PAGE))


@pytest.mark.browser
def test_an_open_page_shows_the_edit_without_a_reload_by_hand(preview, tmp_path):
    from chromium import start_chromium
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, data_dir = preview
    driver = start_chromium(tmp_path / "chromium-profile")

    def shows(text: str) -> bool:
        """Whether the open page's article holds *text*: waited for, because a live page may
        be replaced by its reload between finding the article and reading it."""
        WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: text in d.find_element(By.CSS_SELECTOR, "article").text
        )
        return True

    try:
        driver.get(url + STORY_PAGE)
        assert shows(OLD_TEXT)

        _edit(data_dir / "honours.yaml", OLD_TEXT, NEW_TEXT)

        assert shows(NEW_TEXT)
        assert NEW_TEXT in _index_text(url)
    finally:
        driver.quit()
