"""A real browser (Debian's chromium, driven by Playwright) against a live server of the app."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("ECREDIT_CHROMIUM", "/usr/bin/chromium")
# Playwright's sync API keeps an event loop running in the test thread; the ORM calls the tests make
# between browser steps are ordinary synchronous ones (Playwright's own advice for Django).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (scripts/system-packages.txt)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def console_sign_in(page, base: str, username: str, password: str, start: str = "/console/login/") -> None:
    """Sign in to the console as a person does: the password, then whichever second step the page asks for
    (setting up the authenticator on a first login, or its code), the code read as the phone would show it."""
    from django.contrib.auth import get_user_model

    from ecredit.signin import second_factor

    page.goto(f"{base}{start}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button")
    page.wait_for_load_state()
    user = get_user_model().objects.get(username=username)
    if "/console/account/otp/setup" in page.url:
        assert page.locator("#otp-qr svg").count() == 1
        page.fill("input[name=code]", second_factor.current_code(user))
        page.click("main form button")
        page.wait_for_selector("#backup-codes")
        page.click("main a.button")
    elif "/console/account/otp" in page.url:
        page.fill("input[name=code]", second_factor.current_code(user))
        page.click("main form button")
    page.wait_for_url(lambda url: "/console/account/" not in url and "/console/login/" not in url)
