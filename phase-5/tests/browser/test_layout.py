"""Phone width: every main screen fits 360 px without sideways scrolling."""

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_series_engine import _create
from tests.support.browser import WEB, shot, sign_in
from tests.support.stack import auth

LONG = "Renew the passport and the identity card before the summer holidays start"


def _fits(page: Page) -> bool:
    fits: bool = page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    return fits


def test_main_screens_fit_a_phone(browser: Browser, api: httpx.Client, user: str) -> None:
    first = _create(api, user, LONG, rule="every 2 weeks on Monday and Wednesday", timezone="UTC")
    api.post("/tasks", json={"title": "Buy milk"}, headers=auth(user))
    ctx = browser.new_context(
        viewport={"width": 360, "height": 780},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    try:
        page = ctx.new_page()
        sign_in(page, user)
        expect(page.locator(f'[data-task-id="{first["task_id"]}"]')).to_be_visible()
        assert _fits(page)
        shot(page, "tasks-phone")
        page.goto(f"{WEB}/series/{first['series_id']}")
        expect(page.get_by_test_id("series-rule")).to_be_visible()
        assert _fits(page)
        shot(page, "series-phone")
        page.goto(f"{WEB}/settings")
        expect(page.get_by_role("heading", name="Reminders")).to_be_visible()
        assert _fits(page)
    finally:
        ctx.close()
