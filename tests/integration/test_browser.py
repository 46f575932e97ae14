"""The notes example in a real browser: Chromium, driven by Selenium through chromedriver.

Without Chromium and chromedriver (Debian's ``chromium`` and ``chromium-driver``) these tests
skip; with ``RESOURCEFUL_REQUIRE_BROWSER=1`` (CI sets it) the skip is an error instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
MISSING = "Chromium and chromedriver are not installed (CI installs them)"

if not (CHROMIUM and DRIVER) and os.environ.get("RESOURCEFUL_REQUIRE_BROWSER") != "1":
    pytest.skip(MISSING, allow_module_level=True)

from selenium import webdriver  # noqa: E402 (only where a browser can run)
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

WAIT = 10  # seconds a page may take to show what the test waits for


def waiting(driver: Any) -> WebDriverWait[Any]:
    """A wait that looks again when the page it looked at was replaced by the next one."""
    return WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (CHROMIUM and DRIVER):
        pytest.fail(f"RESOURCEFUL_REQUIRE_BROWSER=1, but {MISSING}")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def fill(driver: Any, form: str, **fields: str) -> None:
    """Type ``fields`` into the form matched by CSS selector ``form`` and submit it."""
    element = driver.find_element(By.CSS_SELECTOR, form)
    for name, value in fields.items():
        box = element.find_element(By.NAME, name)
        box.clear()
        box.send_keys(value)
    element.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def notes_on(driver: Any) -> list[str]:
    return [item.text for item in driver.find_elements(By.CSS_SELECTOR, "#notes li .text")]


def edit_first_note(driver: Any, text: str) -> None:
    """Edit the first note of the page in place, to ``text``, and save it."""
    driver.find_element(By.CSS_SELECTOR, "#notes li button.edit").click()
    box = driver.find_element(By.CSS_SELECTOR, "#notes li form.edit input[name=text]")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.CSS_SELECTOR, "#notes li form.edit button[type=submit]").click()


def two_tabs(driver: Any, notes_server: str, name: str, note: str) -> tuple[str, str]:
    """Sign up ``name``, write ``note``, and open a second tab of the home page, listening
    live: the two tabs' handles (the second one shown)."""
    wait = waiting(driver)
    driver.get(notes_server + "/account/signup")
    fill(driver, "main form", name=name, password="correct horse")
    wait.until(lambda d: d.find_element(By.ID, "user").text == name)
    fill(driver, "#add", text=note)
    wait.until(lambda d: notes_on(d) == [note])
    first = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get(notes_server + "/")
    wait.until(lambda d: notes_on(d) == [note])
    wait.until(lambda d: d.execute_script("return live.readyState") == 1)
    return first, driver.current_window_handle


def test_sign_up_write_notes_live_and_log_out(browser: Any, notes_server: str) -> None:
    wait = waiting(browser)
    # A second tab of the same user hears of notes added in the first.
    first, second = two_tabs(browser, notes_server, "ada", "Written in a browser")
    browser.switch_to.window(first)
    fill(browser, "#add", text="Seen in the other tab")
    browser.switch_to.window(second)
    wait.until(lambda d: notes_on(d) == ["Seen in the other tab", "Written in a browser"])
    browser.close()
    browser.switch_to.window(first)

    browser.find_element(By.ID, "logout").click()
    wait.until(lambda d: d.current_url == notes_server + "/account/login")
    browser.get(notes_server + "/")
    wait.until(lambda d: d.current_url.startswith(notes_server + "/account/login?next="))


def test_a_note_changed_in_another_tab_is_not_overwritten(browser: Any, notes_server: str) -> None:
    wait = waiting(browser)
    # Two tabs show the same version of the note; the first changes it.
    first, second = two_tabs(browser, notes_server, "bea", "First draft")
    browser.switch_to.window(first)
    edit_first_note(browser, "Second draft")
    wait.until(lambda d: notes_on(d) == ["Second draft"])
    # The second tab's change names the version it showed: refused, and said so.
    browser.switch_to.window(second)
    edit_first_note(browser, "Lost draft")
    wait.until(lambda d: "changed elsewhere" in d.find_element(By.ID, "status").text)
    browser.get(notes_server + "/")
    wait.until(lambda d: notes_on(d) == ["Second draft"])
    # Read again, it changes: the tag of the version it now shows.
    edit_first_note(browser, "Third draft")
    wait.until(lambda d: notes_on(d) == ["Third draft"])
    assert browser.find_element(By.ID, "status").text == ""
    browser.close()
    browser.switch_to.window(first)
    browser.find_element(By.ID, "logout").click()
    wait.until(lambda d: d.current_url == notes_server + "/account/login")


def test_a_forged_csrf_token_is_refused(browser: Any, notes_server: str) -> None:
    wait = waiting(browser)
    browser.get(notes_server + "/account/signup")
    fill(browser, "main form", name="mallory", password="correct horse")
    wait.until(lambda d: d.find_element(By.ID, "user").text == "mallory")
    # The page's token, changed in the browser before the form is sent.
    browser.execute_script(
        "const field = document.querySelector('#add [name=csrf_token]');"
        "field.value = field.value.split('.')[0] + '.forged';"
    )
    fill(browser, "#add", text="Never stored")
    # Read in one script, with no element to hold: the page is replaced while the wait
    # looks, and Chromium reports an element of the old page as an unknown error.
    page_text = "return document.body ? document.body.innerText : ''"
    wait.until(lambda d: "CSRF token invalid" in d.execute_script(page_text))
    browser.get(notes_server + "/")
    assert notes_on(browser) == []
