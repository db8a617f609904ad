"""Fixtures of the browser tests: one Chromium for the session, a fresh context (its own
storage, like a separate browser profile) per test, a screenshot when a test fails."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.support.browser import launch, shot
from tests.support.stack import new_user

# Series work goes through Kafka and the engine: allow it a few seconds, not the default 5.
expect.set_options(timeout=15_000)


# Package scope: Playwright's sync API keeps an event loop running in this thread while it
# lives, and every asyncio test after the browser tests (the MCP client, concurrent writes)
# then fails; it must stop when the browser tests are done, not at the end of the session.
@pytest.fixture(scope="package")
def browser(stack: str) -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="UTC")
    yield ctx
    ctx.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    p = context.new_page()
    yield p
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        shot(p, f"failed-{request.node.name}")


@pytest.fixture
def user() -> str:
    return new_user()
