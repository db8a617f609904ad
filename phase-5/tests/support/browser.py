"""Debian's Chromium driven by Playwright (no browser download), and the web app's URL."""

import os
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, Playwright, expect

from tests.support.stack import P5, token

WEB = "http://127.0.0.1:3000"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Root needs --no-sandbox; the rest keeps Chromium off the network this machine lacks
# (it would try Google's hosts at every start).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", P5 / "tests" / "browser" / "artifacts"))


def launch(pw: Playwright) -> Browser:
    return pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def sign_in(page: Page, user: str, live: bool = False) -> None:
    """Through the sign-in form, as a person does; with `live`, until the live stream is on."""
    page.goto(f"{WEB}/signin")
    page.get_by_label("Access token").fill(token(user))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{WEB}/tasks")
    if live:
        wait_live(page)


def wait_live(page: Page) -> None:
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-live", "live")


def described_by(control: Locator) -> str:
    """The text a screen reader reads for the control's description (hint and error)."""
    text: str = control.evaluate(
        """el => (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)
              .map(id => document.getElementById(id)?.textContent || '').join(' | ')"""
    )
    return text


def field_error(control: Locator) -> Locator:
    """The error line shown under a form control (components/Field.tsx)."""
    return control.locator("xpath=..").locator(".field-error")


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
