"""End to end in headless Chromium: notice page → apply link → form → reference → status,
with an axe accessibility check at every step."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from chromium import click_and_wait
from phone_layout import SERVICE_TARGETS, SERVICE_TEXT, at_width, problems
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from pingan.idnumber import compose_id_number

pytestmark = pytest.mark.browser


def full_page_screenshot(driver, path: Path) -> None:
    """Resize the window to the page's height so that one PNG shows the whole page."""
    width = driver.get_window_size()["width"]
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(height + 140, 8000))
    driver.save_screenshot(str(path))
    driver.set_window_size(width, 1400)


def test_apply_from_the_notice_and_find_the_application(
    browser, demo, screenshots, assert_accessible
):
    app, url = demo
    id_number = compose_id_number("320412", datetime.date(1988, 4, 9), 357)

    browser.get(f"{url}/notices/wujin-2026/")
    assert_accessible(browser)
    click_and_wait(browser, (By.CSS_SELECTOR, f'a[href="{url}/apply/wujin-2026"]'))
    assert browser.current_url == f"{url}/apply/wujin-2026"
    assert browser.find_element(By.TAG_NAME, "h1").text == "平安志愿者注册申请"
    assert_accessible(browser)
    full_page_screenshot(browser, screenshots / "form.png")

    # Submitting half a form: errors summarised at the top and beside each field.
    browser.find_element(By.ID, "input-name").send_keys("王示例")
    browser.find_element(By.ID, "input-id_number").send_keys(id_number[:17])
    click_and_wait(browser, (By.CSS_SELECTOR, "button[type=submit]"))
    summary = browser.find_element(By.CSS_SELECTOR, ".error-summary")
    assert "身份证号码应为 18 位，您填写了 17 位" in summary.text
    assert browser.find_element(By.ID, "input-name").get_attribute("value") == "王示例"
    assert_accessible(browser)
    full_page_screenshot(browser, screenshots / "form-errors.png")

    # Correct and complete it, the way a person would.
    field = browser.find_element(By.ID, "input-id_number")
    field.clear()
    field.send_keys(id_number)
    browser.find_element(By.ID, "input-mobile").send_keys("13800138000")
    Select(browser.find_element(By.ID, "input-unit")).select_by_visible_text("湖塘平安志愿者工作站")
    browser.find_element(By.ID, "input-registration_address").send_keys("湖塘镇示例社区")
    browser.find_element(By.CSS_SELECTOR, "#field-service_type label:nth-of-type(2)").click()
    for day in ("周六", "周日"):
        browser.find_element(By.XPATH, f"//label[normalize-space()='{day}']").click()
    for box in browser.find_elements(By.CSS_SELECTOR, "input[name=declarations]"):
        box.click()
    browser.find_element(By.ID, "input-consent_notice").click()
    browser.find_element(By.ID, "input-consent_sensitive").click()
    click_and_wait(browser, (By.CSS_SELECTOR, "button[type=submit]"))

    assert browser.current_url == f"{url}/apply/wujin-2026/done"
    reference = browser.find_element(By.ID, "reference").text
    assert len(reference) == 11 and reference[5] == "-"
    assert_accessible(browser)
    full_page_screenshot(browser, screenshots / "form-done.png")
    # The reference is read on a phone: the page still fits 360 px (the session keeps it).
    at_width(browser, 360)
    browser.refresh()
    assert browser.find_element(By.ID, "reference").text == reference
    assert not problems(browser, 360, SERVICE_TARGETS, SERVICE_TEXT)
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    click_and_wait(browser, (By.LINK_TEXT, "报名进度查询"))
    assert_accessible(browser)
    browser.find_element(By.ID, "input-reference").send_keys(reference)
    browser.find_element(By.ID, "input-last4").send_keys(id_number[-4:])
    click_and_wait(browser, (By.CSS_SELECTOR, "main button[type=submit]"))
    assert browser.current_url == f"{url}/status"  # nothing in the address
    assert browser.find_element(By.ID, "stage").text == "已提交"
    assert_accessible(browser)
    assert id_number not in browser.page_source
