"""Creating tasks: the live preview of a rule, an API refusal next to its field, and the
whole thing with the keyboard alone."""

import httpx
from playwright.sync_api import Page, expect

from tests.support.browser import described_by, field_error, shot, sign_in
from tests.support.stack import auth, eventually

RULE = "every Monday, Wednesday and Friday at 10 AM"


def test_the_preview_follows_the_typing_and_the_task_is_created(
    page: Page, api: httpx.Client, user: str
) -> None:
    sign_in(page, user)
    form = page.get_by_role("form", name="New task")
    form.get_by_label("Title").fill("Standup")
    rule = form.get_by_label("Repeat (optional)")

    # Half a phrase is not a rule yet: the API's reason shows at the field as it is typed.
    rule.press_sequentially("every blursday", delay=15)
    refused = api.post(
        "/recurrence/preview",
        json={"rule": "every blursday", "timezone": "UTC", "count": 5},
        headers=auth(user),
    )
    assert refused.status_code == 422
    reason = refused.json()["error"]["message"]
    expect(field_error(rule)).to_have_text(reason)
    expect(rule).to_have_attribute("aria-invalid", "true")
    assert reason in described_by(rule)

    rule.fill("")
    rule.press_sequentially(RULE, delay=15)
    form.get_by_label("Time zone").fill("Europe/London")
    expected = api.post(
        "/recurrence/preview",
        json={"rule": RULE, "timezone": "Europe/London", "count": 5},
        headers=auth(user),
    ).json()
    expect(form.get_by_test_id("rule-description")).to_have_text(expected["description"])
    times = form.get_by_test_id("preview-occurrences").locator("time")
    expect(times).to_have_count(5)
    assert [times.nth(i).get_attribute("datetime") for i in range(5)] == expected["occurrences"]
    expect(rule).not_to_have_attribute("aria-invalid", "true")
    shot(page, "create-with-preview")

    form.get_by_role("button", name="Add task").click()
    expect(form.get_by_role("status")).to_have_text("Added “Standup”.")
    items = api.get("/tasks", headers=auth(user)).json()["items"]
    assert len(items) == 1 and items[0]["is_recurring"]
    series = api.get(f"/series/{items[0]['series_id']}", headers=auth(user)).json()
    assert series["timezone"] == "Europe/London"
    assert series["rule_description"] == expected["description"]
    assert items[0]["due_at"] == expected["occurrences"][0]
    row = page.locator(f'[data-task-id="{items[0]["task_id"]}"]')
    expect(row.get_by_role("link", name="repeats")).to_be_visible()
    expect(form.get_by_label("Title")).to_have_value("")


def test_an_api_validation_error_is_shown_next_to_its_field(
    page: Page, api: httpx.Client, user: str
) -> None:
    sign_in(page, user)
    form = page.get_by_role("form", name="New task")
    form.get_by_label("Title").fill("Call the bank")
    form.get_by_label("Due (first occurrence for a repeating task)").fill("2030-01-07T10:00")
    reminders = form.get_by_label("Reminders (optional)")
    reminders.fill("soon")
    form.get_by_role("button", name="Add task").click()

    refused = api.post(
        "/tasks",
        json={"title": "Call the bank", "due_at": "2030-01-07T10:00:00Z", "reminders": ["soon"]},
        headers=auth(user),
    )
    assert refused.status_code == 422 and refused.json()["error"]["details"]["field"] == "reminders"
    message = refused.json()["error"]["details"]["errors"][0]["message"]
    expect(field_error(reminders)).to_have_text(message)
    expect(reminders).to_have_attribute("aria-invalid", "true")
    assert message in described_by(reminders)
    # Only that field: the title is fine, and nothing was created.
    expect(form.get_by_label("Title")).not_to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Title")).to_have_value("Call the bank")
    shot(page, "create-refused-field")
    assert api.get("/tasks", headers=auth(user)).json()["total"] == 0


def _tab_to(page: Page, predicate: str, limit: int = 40) -> None:
    """Presses Tab until the focused element satisfies the JS predicate (el => bool)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            f"(() => {{ const el = document.activeElement; return ({predicate})(el); }})()"
        ):
            return
    raise AssertionError(f"Tab never reached {predicate}")


def _focus_is_visible(page: Page) -> bool:
    style: dict[str, str] = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return {style: s.outlineStyle, width: s.outlineWidth}; }"""
    )
    return style["style"] != "none" and float(style["width"].removesuffix("px")) >= 2


def test_keyboard_only_create_and_complete(page: Page, api: httpx.Client, user: str) -> None:
    sign_in(page, user)
    page.locator("body").focus()
    _tab_to(page, "el => el.name === 'title'")
    assert _focus_is_visible(page)
    page.keyboard.type("Pay rent")
    _tab_to(page, "el => el.name === 'rule'")
    assert _focus_is_visible(page)
    page.keyboard.type("monthly on the 1st")
    form = page.get_by_role("form", name="New task")
    expect(form.get_by_test_id("rule-description")).not_to_be_empty()
    page.keyboard.press("Enter")
    expect(form.get_by_role("status")).to_have_text("Added “Pay rent”.")
    task = eventually(lambda: api.get("/tasks", headers=auth(user)).json()["items"])[0]
    series = api.get(f"/series/{task['series_id']}", headers=auth(user)).json()
    assert "BYMONTHDAY=1" in series["rrule"]

    expect(page.get_by_role("button", name="Complete “Pay rent”")).to_be_visible()
    # A dialog opens from the keyboard, Escape closes it, focus returns to its button.
    _tab_to(page, "el => el.getAttribute('aria-label') === 'Edit “Pay rent”'")
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_role("dialog").get_by_label("This occurrence")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_role("button", name="Edit “Pay rent”")).to_be_focused()
    # Back past the "repeats" link and the title link to the complete button.
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Complete “Pay rent”")).to_be_focused()
    assert _focus_is_visible(page)
    page.keyboard.press("Space")
    eventually(
        lambda: (
            api.get(f"/tasks/{task['task_id']}", headers=auth(user)).json()["status"] == "completed"
        ),
        timeout=10,
    )
