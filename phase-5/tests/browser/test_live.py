"""Live updates: what one browser does shows in another without a reload."""

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_series_engine import _create, _running
from tests.support.browser import WEB, shot, sign_in, wait_live
from tests.support.stack import auth, eventually, run_script


def test_a_completion_in_one_browser_appears_in_the_other(
    browser: Browser, api: httpx.Client, user: str
) -> None:
    one_off = api.post("/tasks", json={"title": "Post the letter"}, headers=auth(user)).json()
    first = _create(api, user, "Feed the cat", rule="daily at 7 AM", timezone="UTC")
    eventually(lambda: _running(first["series_id"]), timeout=30)
    a_ctx, b_ctx = browser.new_context(), browser.new_context()
    try:
        a, b = a_ctx.new_page(), b_ctx.new_page()
        sign_in(a, user, live=True)
        sign_in(b, user, live=True)
        b.goto(f"{WEB}/tasks?status=all")
        wait_live(b)
        b.evaluate("window.__notReloaded = true")

        a.locator(f'[data-task-id="{one_off["task_id"]}"]').get_by_role(
            "button", name="Complete “Post the letter”"
        ).click()
        expect(b.locator(f'[data-task-id="{one_off["task_id"]}"]')).to_have_attribute(
            "data-status", "completed"
        )

        # A series: B sees the completion and the next instance the engine creates.
        a.locator(f'[data-task-id="{first["task_id"]}"]').get_by_role(
            "button", name="Complete “Feed the cat”"
        ).click()
        expect(b.locator(f'[data-task-id="{first["task_id"]}"]')).to_have_attribute(
            "data-status", "completed"
        )
        expect(b.locator('[data-status="pending"]', has_text="Feed the cat")).to_have_count(1)
        assert b.evaluate("window.__notReloaded") is True
        shot(b, "live-other-browser")
    finally:
        a_ctx.close()
        b_ctx.close()


def test_the_stream_resumes_with_last_event_id_after_a_drop(
    page: Page, api: httpx.Client, user: str
) -> None:
    """Restarting todo-api cuts the stream; the app reconnects by itself, says which event it
    saw last, and what happens next shows without a reload."""
    asked: list[str | None] = []
    page.on(
        "request",
        lambda r: (
            asked.append(r.headers.get("last-event-id"))
            if r.url.endswith("/api/v1/me/events")
            else None
        ),
    )
    sign_in(page, user, live=True)
    before = api.post("/tasks", json={"title": "Before the drop"}, headers=auth(user)).json()
    expect(page.locator(f'[data-task-id="{before["task_id"]}"]')).to_be_visible()
    first_connects = len(asked)
    page.evaluate("window.__notReloaded = true")

    run_script("dev-up.sh", "--restart", "todo-api")
    wait_live(page)
    after = api.post("/tasks", json={"title": "After the drop"}, headers=auth(user)).json()
    expect(page.locator(f'[data-task-id="{after["task_id"]}"]')).to_be_visible()
    assert asked[0] is None  # a fresh page starts from now
    resumed = asked[first_connects:]
    assert resumed and all(resumed), f"reconnects without Last-Event-ID: {asked}"
    assert page.evaluate("window.__notReloaded") is True
