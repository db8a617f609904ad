"""The series page: its rule, upcoming and completed occurrences, pause / resume / skip."""

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.test_series_engine import _create, _running, _tasks
from tests.support.browser import WEB, shot, sign_in
from tests.support.stack import auth, eventually


def test_series_page_pause_resume_and_skip(page: Page, api: httpx.Client, user: str) -> None:
    first = _create(api, user, "Standup", rule="every weekday at 9 AM", timezone="Europe/Paris")
    sid = first["series_id"]
    eventually(lambda: _running(sid), timeout=30)
    series = api.get(f"/series/{sid}", headers=auth(user)).json()
    sign_in(page, user)
    page.goto(f"{WEB}/series/{sid}")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Standup")
    expect(page.get_by_test_id("series-rule")).to_have_text(series["rule_description"])
    expect(page.get_by_text(series["rrule"], exact=True)).to_be_visible()
    later = page.get_by_test_id("next-occurrences").locator("time")
    expect(later).to_have_count(len(series["next_occurrences"]))
    assert later.first.get_attribute("datetime") == series["next_occurrences"][0]
    upcoming = page.get_by_role("region", name="Pending occurrences")
    expect(upcoming.locator(f'[data-task-id="{first["task_id"]}"]')).to_be_visible()
    shot(page, "series")

    status = page.get_by_test_id("series-status")
    page.get_by_role("button", name="Pause").click()
    expect(status).to_have_text("paused")
    assert api.get(f"/series/{sid}", headers=auth(user)).json()["status"] == "paused"
    expect(page.get_by_role("button", name="Skip next")).to_be_disabled()

    page.get_by_role("button", name="Resume").click()
    expect(status).to_have_text("active")
    assert api.get(f"/series/{sid}", headers=auth(user)).json()["status"] == "active"

    # Skip next: the earliest pending instance goes; the series goes on after it.
    before = [t["task_id"] for t in _tasks(api, user, series_id=sid, status="pending")]
    page.get_by_role("button", name="Skip next").click()
    expect(page.get_by_role("status").filter(has_text="Skipped")).to_be_visible()
    expect(upcoming.locator(f'[data-task-id="{before[0]}"]')).to_have_count(0)
    assert api.get(f"/tasks/{before[0]}", headers=auth(user)).status_code == 404
    assert api.get(f"/series/{sid}", headers=auth(user)).json()["status"] == "active"


def test_completed_occurrences_are_listed(page: Page, api: httpx.Client, user: str) -> None:
    first = _create(api, user, "Journal", rule="daily at 8 PM", timezone="UTC")
    sid = first["series_id"]
    eventually(lambda: _running(sid), timeout=30)
    api.post(f"/tasks/{first['task_id']}/complete", headers=auth(user))
    sign_in(page, user)
    page.goto(f"{WEB}/series/{sid}")
    done = page.get_by_role("region", name="Completed occurrences")
    expect(done.locator(f'[data-task-id="{first["task_id"]}"]')).to_have_attribute(
        "data-status", "completed"
    )
