"""Complete, edit by scope and delete, in the browser, checked against the API."""

from datetime import datetime, timedelta
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.test_series_engine import _create, _running, _tasks
from tests.support.browser import shot, sign_in
from tests.support.stack import auth, eventually


def _row(page: Page, task: dict[str, Any]):  # type: ignore[no-untyped-def]
    return page.locator(f'[data-task-id="{task["task_id"]}"]')


def _pending_other_than(api: httpx.Client, user: str, task_id: str) -> list[dict[str, Any]]:
    return [t for t in _tasks(api, user, status="pending") if t["task_id"] != task_id]


def test_completing_an_instance_shows_the_next_one(
    page: Page, api: httpx.Client, user: str
) -> None:
    first = _create(api, user, "Water the plants", rule="daily", timezone="UTC")
    eventually(lambda: _running(first["series_id"]), timeout=30)
    sign_in(page, user, live=True)
    row = _row(page, first)
    row.get_by_role("button", name="Complete “Water the plants”").click()
    expect(row).to_have_count(0)  # the pending list no longer holds it
    nxt = eventually(lambda: _pending_other_than(api, user, first["task_id"]), timeout=15)[0]
    # The engine's new instance arrives through the live stream: no reload, no click.
    expect(_row(page, nxt)).to_be_visible()
    due = datetime.fromisoformat(nxt["due_at"]) - datetime.fromisoformat(first["due_at"])
    assert due == timedelta(days=1)
    expect(_row(page, nxt).locator("time")).to_have_attribute("datetime", nxt["due_at"])


def _edit(page: Page, task: dict[str, Any], scope: str, **fields: str) -> None:
    _row(page, task).get_by_role("button", name=f"Edit “{task['title']}”").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label(scope).check()
    for label, value in fields.items():
        dialog.get_by_label(label.replace("_", " ").capitalize()).fill(value)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)


def test_edit_this_all_and_following(page: Page, api: httpx.Client, user: str) -> None:
    first = _create(api, user, "Review", rule="daily at 9 AM", timezone="UTC")
    sid = first["series_id"]
    eventually(lambda: _running(sid), timeout=30)
    api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user))
    second = eventually(lambda: _pending_other_than(api, user, first["task_id"]), timeout=15)[0]
    sign_in(page, user)

    # This occurrence: it becomes an exception, the series keeps its title.
    _edit(page, second, "This occurrence", title="Review (short)")
    got = api.get(f"/tasks/{second['task_id']}", headers=auth(user)).json()
    assert got["title"] == "Review (short)" and got["is_exception"]
    assert api.get(f"/series/{sid}", headers=auth(user)).json()["title"] == "Review"
    expect(_row(page, second)).to_contain_text("edited")

    # All occurrences: the series itself changes.
    second = got
    _edit(page, second, "All occurrences", title="Team review")
    assert api.get(f"/series/{sid}", headers=auth(user)).json()["title"] == "Team review"

    # This and following, from the second occurrence on: the series splits here.
    second = api.get(f"/tasks/{second['task_id']}", headers=auth(user)).json()
    _row(page, second).get_by_role("button", name=f"Edit “{second['title']}”").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("This and following occurrences").check()
    rule = dialog.get_by_label("Repeat rule")
    expect(rule).to_have_value("daily at 9 AM")  # filled from the series
    rule.fill("every 2 days at 9 AM")
    expect(dialog.get_by_test_id("rule-description")).to_contain_text("2 days")
    shot(page, "edit-following")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    pending = _tasks(api, user, status="pending")
    assert len(pending) == 1 and pending[0]["series_id"] != sid
    new = api.get(f"/series/{pending[0]['series_id']}", headers=auth(user)).json()
    assert "INTERVAL=2" in new["rrule"]
    assert pending[0]["due_at"] == second["due_at"]  # the new series starts at this one
    expect(_row(page, pending[0])).to_be_visible()
    completed = _tasks(api, user, series_id=sid, status="completed")
    assert [t["task_id"] for t in completed] == [first["task_id"]]  # history stays


def test_deleting_all_future_needs_an_explicit_yes(
    page: Page, api: httpx.Client, user: str
) -> None:
    first = _create(api, user, "Gym", rule="every Monday at 7 AM", timezone="UTC")
    sid = first["series_id"]
    one_off = api.post("/tasks", json={"title": "Buy milk"}, headers=auth(user)).json()
    sign_in(page, user)

    _row(page, first).get_by_role("button", name="Delete “Gym”").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("All occurrences").check()
    delete = dialog.get_by_role("button", name="Delete all future occurrences")
    yes = dialog.get_by_label("Yes, delete all future occurrences")
    expect(delete).to_be_disabled()
    expect(yes).not_to_be_checked()
    shot(page, "delete-all-confirmation")
    yes.check()
    expect(delete).to_be_enabled()
    delete.click()
    expect(dialog).to_have_count(0)
    expect(_row(page, first)).to_have_count(0)
    assert api.get(f"/series/{sid}", headers=auth(user)).json()["status"] == "deleted"

    # One task needs no tick.
    _row(page, one_off).get_by_role("button", name="Delete “Buy milk”").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete", exact=True).click()
    expect(_row(page, one_off)).to_have_count(0)
    assert api.get(f"/tasks/{one_off['task_id']}", headers=auth(user)).status_code == 404
