"""Every kind of public page, of the built site and of the form service, passes axe-core."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

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
