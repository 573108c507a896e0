"""Debian's Chromium, headless, driven through Debian's chromedriver: never a downloaded browser.

Shared by tests/browser and the site builder's browser test (pyproject's pytest ``pythonpath``
makes this folder importable from every test folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def start_chromium(profile_dir: Path):
    """A headless Debian Chromium driven through chromedriver; fails in CI when missing."""
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
        f"--user-data-dir={profile_dir}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


def click_and_wait(browser, locator: tuple[str, str]) -> None:
    """Click what *locator* finds once it is clickable, then wait for the next page.

    Found and clicked in one wait: an element found while Chromium was still swapping a
    page in failed with "Node with given id does not belong to the document". A POST that
    answers on the same URL leaves ``current_url`` unchanged, so only the old element
    going stale tells that the new page is there.
    """
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    def clicked(driver):
        """The element clicked, or False to try again: Chromium refuses a click on a node
        of a document it is swapping out, and then nothing was clicked."""
        element = expected_conditions.element_to_be_clickable(locator)(driver)
        if not element or _swapped_out(element.click):
            return False
        return element

    element = WebDriverWait(browser, 15).until(clicked)
    wait_until_gone(browser, element)


def wait_until_gone(browser, element, timeout: float = 15) -> None:
    """Wait until *element*'s page has been replaced.

    selenium's ``staleness_of`` asks the element whether it is enabled and counts a stale
    reference as gone; Chromium may answer instead that the node "does not belong to the
    document" while it swaps the new page in, which is gone just the same.
    """
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, timeout).until(lambda _driver: _swapped_out(element.is_enabled))


def _swapped_out(action) -> bool:
    """Run *action* (a call on an element); True if its page had been replaced meanwhile:
    a stale reference, or Chromium's "does not belong to the document" while swapping."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        action()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" not in str(error):
            raise
        return True
    return False
