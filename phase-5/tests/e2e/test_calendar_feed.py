"""The private calendar feed on the real stack: what a calendar app subscribed to the URL
sees (icalendar parses it, recurring-ical-events expands it) is exactly what the API
reports for the same window; the URL can be rotated and revoked."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import icalendar
import recurring_ical_events

from tests.support.stack import auth, eventually, log_files, new_user

Occurrence = tuple[str, datetime]


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)


def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json() if r.content else None


def _api_window(api: httpx.Client, user: str, start: datetime, end: datetime) -> list[Occurrence]:
    """What the API reports: the tasks due in the window, and for each series the
    occurrences it will create next (`next_occurrences`) that fall in it. A paused series
    lists none (it creates nothing until resumed), as the feed shows none."""
    found: list[Occurrence] = []
    page = _ok(
        api.get(
            "/tasks",
            headers=auth(user),
            params={"due_after": start.isoformat(), "due_before": end.isoformat(), "page_size": 50},
        )
    )
    assert page["next"] is None
    found += [(t["title"], _at(t["due_at"])) for t in page["items"]]
    for s in _ok(api.get("/series", headers=auth(user), params={"page_size": 50}))["items"]:
        found += [(s["title"], _at(a)) for a in s["next_occurrences"] if start <= _at(a) < end]
    return sorted(found)


def _feed_window(ics: bytes, start: datetime, end: datetime) -> list[Occurrence]:
    calendar = icalendar.Calendar.from_ical(ics)
    events = recurring_ical_events.of(calendar).between(start, end)
    return sorted((str(e["SUMMARY"]), e["DTSTART"].dt.astimezone(UTC)) for e in events)


def _fetch(url: str) -> httpx.Response:
    # A calendar app sends no Authorization header: the URL is the credential.
    return httpx.get(url, timeout=30)


def test_feed_matches_the_api_for_skips_edits_deletes_pauses_and_one_offs(
    api: httpx.Client,
) -> None:
    user, other = new_user(), new_user()
    h = auth(user)
    created = _ok(
        api.post(
            "/tasks",
            headers=h,
            json={
                "title": "Standup",
                "recurrence": {
                    "rule": "every day at 9 AM",
                    "timezone": "Europe/Paris",
                    "lead_time_minutes": 3 * 24 * 60,
                },
            },
        ),
        201,
    )
    sid = created["series_id"]
    # The engine creates every occurrence whose lead time has begun: the next three days.
    pending = eventually(
        lambda: (lambda items: items if len(items) >= 3 else None)(
            _ok(api.get("/tasks", headers=h, params={"series_id": sid, "status": "pending"}))[
                "items"
            ]
        ),
        timeout=60,
    )
    _ok(api.post(f"/series/{sid}/skip", headers=h))  # the earliest pending one
    moved_to = _at(pending[1]["due_at"]) + timedelta(hours=2)
    _ok(
        api.patch(
            f"/tasks/{pending[1]['task_id']}",
            headers=h,
            params={"scope": "this"},
            json={"title": "Standup (late)", "due_at": moved_to.isoformat()},
        )
    )
    _ok(api.delete(f"/tasks/{pending[2]['task_id']}", headers=h), 204)

    paused = _ok(
        api.post(
            "/tasks",
            headers=h,
            json={
                "title": "Evening review",
                "recurrence": {"rule": "every day at 7 PM", "timezone": "UTC"},
            },
        ),
        201,
    )
    _ok(api.post(f"/series/{paused['series_id']}/pause", headers=h))
    # Whole minutes, as people set them: iCalendar has no fractions of a second.
    soon = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    _ok(api.post("/tasks", headers=h, json={"title": "Dentist", "due_at": soon.isoformat()}), 201)
    gone = _ok(
        api.post("/tasks", headers=h, json={"title": "Gone", "due_at": soon.isoformat()}), 201
    )
    _ok(api.delete(f"/tasks/{gone['task_id']}", headers=h), 204)
    _ok(
        api.post(
            "/tasks", headers=auth(other), json={"title": "Not yours", "due_at": soon.isoformat()}
        ),
        201,
    )

    feed = _ok(api.post("/me/calendar", headers=h), 201)
    r = _fetch(feed["url"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    start = datetime.now(UTC)
    end = start + timedelta(days=7)
    before = _api_window(api, user, start, end)
    got = _feed_window(r.content, start, end)
    after = _api_window(api, user, start, end)
    assert before == after, "the API changed during the comparison"
    assert got == before
    titles = [title for title, _ in got]
    assert "Standup (late)" in titles and "Dentist" in titles
    assert "Gone" not in titles and "Not yours" not in titles
    assert titles.count("Evening review") == 1  # its first task only: paused since
    text = r.text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Paris" in text
    assert "EXDATE;TZID=Europe/Paris" in text and "RECURRENCE-ID;TZID=Europe/Paris" in text
    info = _ok(api.get("/me/calendar", headers=h))
    assert info["active"] and info["last_fetched_at"] is not None


def test_the_url_is_private_rotatable_and_revocable(api: httpx.Client) -> None:
    user = new_user()
    h = auth(user)
    assert api.post("/me/calendar").status_code == 401
    assert _ok(api.get("/me/calendar", headers=h)) == {
        "active": False,
        "created_at": None,
        "last_fetched_at": None,
    }
    assert api.post("/me/calendar/rotate", headers=h).status_code == 404

    first = _ok(api.post("/me/calendar", headers=h), 201)["url"]
    assert _fetch(first).status_code == 200
    second = _ok(api.post("/me/calendar/rotate", headers=h))["url"]
    assert second != first
    assert _fetch(first).status_code == 404
    assert _fetch(second).status_code == 200

    token = second.rsplit("/", 1)[1].removesuffix(".ics")
    flipped = second.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert _fetch(flipped).status_code == 404
    assert _fetch(second.replace(token, "x")).status_code == 404
    assert _fetch(second.replace(".ics", "")).status_code == 404
    body = _fetch(second.replace(token, "not-a-token")).json()
    assert body["error"]["code"] == "not_found"

    assert api.delete("/me/calendar", headers=h).status_code == 204
    assert _fetch(second).status_code == 404
    # The URL is a credential: no log line of the stack may carry it.
    for path in log_files():
        assert token not in path.read_text(errors="replace"), path.name
    assert api.delete("/me/calendar", headers=h).status_code == 204
    assert _ok(api.get("/me/calendar", headers=h))["active"] is False
