"""Every kind of public page, of the built site and of the form service, passes axe-core."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from site_builder.commands import build_site

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(path.parent for path in (ROOT / "examples").glob("*/deployment.yaml"))

#: One page of each kind the public reaches, site and form service on one origin.
PUBLIC_PAGES = [
    "/",
    "/notices/",
    "/notices/wujin-2026/",
    "/quotas/",
    "/quotas/wujin-2026/",
    "/units/",
    "/unit/hutang/",
    "/honours/",
    "/people/wang-demo/",
    "/projects/",
    "/stories/",
    "/story/patrol-six-years/",
    "/guide/",
    "/privacy/",
    "/no-such-page/",
    "/apply/",
    "/apply/wujin-2026",
    "/status",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_is_accessible(shared_demo, browser, assert_accessible, path):
    _, url = shared_demo
    browser.get(url + path)
    assert_accessible(browser)


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.mark.parametrize("data_dir", EXAMPLES, ids=lambda path: path.name)
def test_each_example_deployment_reads_in_its_own_colours(
    tmp_path, browser, assert_accessible, data_dir
):
    """Identity colours come from the data: every deployment's home and notices pass too."""
    site = tmp_path / "site"
    build_site(data_dir, site, form_url="http://127.0.0.1:9", build_date="2026-11-23")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietFiles, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        notices = sorted(path.parent.name for path in site.glob("notices/*/index.html"))
        for path in ["/", "/notices/", *(f"/notices/{name}/" for name in notices)]:
            browser.get(url + path)
            assert_accessible(browser)
    finally:
        server.shutdown()
        server.server_close()


def test_the_check_reports_what_axe_finds_and_excuses_only_the_named_pair(browser):
    from accessibility import axe_violations

    browser.get(
        "data:text/html;charset=utf-8,<!doctype html><html lang='zh-CN'><title>t</title>"
        "<main><h1>标题</h1><img src='x.png'><p style='color:%23bbb'>浅色文字</p></main></html>"
    )
    found = {violation["id"] for violation in axe_violations(browser)}
    assert {"image-alt", "color-contrast"} <= found

    narrowed = axe_violations(browser, exclude=[("image-alt", "main")])
    assert {violation["id"] for violation in narrowed} == found - {"image-alt"}
