"""Completion in one browser -> visible in another, through the live event stream.

  python bench/bench_live_update.py [TRIES] [SERIES_TRIES]

Two Chromium contexts (two signed-in browsers of one user) show the task list. Browser A
clicks "Complete" on a task; browser B, which never reloads, records with a
MutationObserver the moment that row shows as completed. Each sample is B's moment minus
A's click (both Date.now() on this machine). TRIES one-off tasks (default 50) give the
figure of the issue; SERIES_TRIES daily series (default 20) add the time until B also
shows the next instance the engine creates. Prints p50/p95/p99/max of each.
Stack up first: scripts/dev-up.sh --no-reload (or through /work/stack-run.sh)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from playwright.sync_api import Page, sync_playwright

from bench._stats import summary
from tests.support.browser import WEB, launch, sign_in
from tests.support.stack import API, auth, eventually, new_user

# Records, per task id, when its row first shows completed, and when a pending row with a
# given title appears (the next instance of a series).
_WATCH = """
() => {
  window.__completed = {};
  window.__pendingSince = {};
  const scan = () => {
    const now = Date.now();
    for (const row of document.querySelectorAll('[data-task-id]')) {
      const id = row.dataset.taskId;
      if (row.dataset.status === 'completed' && !(id in window.__completed)) {
        window.__completed[id] = now;
      }
      if (row.dataset.status === 'pending' && !(id in window.__pendingSince)) {
        window.__pendingSince[id] = now;
      }
    }
  };
  scan();
  new MutationObserver(scan).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'],
  });
}
"""

_CLICK = """
(id) => {
  const button = document.querySelector(`[data-task-id="${id}"] button.complete`);
  const t = Date.now();
  button.click();
  return t;
}
"""


def _complete_in_a(a: Page, task_id: str) -> float:
    a.wait_for_selector(f'[data-task-id="{task_id}"] button.complete:not([disabled])')
    clicked: float = a.evaluate(_CLICK, task_id)
    return clicked


def _seen_in_b(b: Page, table: str, task_id: str) -> float:
    handle = b.wait_for_function(
        f"(id) => window.{table}[id]", arg=task_id, timeout=30_000, polling=50
    )
    seen: float = handle.json_value()
    return seen


def main() -> None:
    tries = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    series_tries = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    user = new_user()
    headers = auth(user)
    with httpx.Client(base_url=f"{API.url}/api/v1", timeout=30) as api:
        tasks = [
            api.post("/tasks", json={"title": f"Live {i:02d}"}, headers=headers).json()
            for i in range(tries)
        ]
        with sync_playwright() as pw:
            browser = launch(pw)
            a = browser.new_context().new_page()
            b = browser.new_context().new_page()
            sign_in(a, user)
            sign_in(b, user)

            def show(path: str, last_id: str) -> None:
                for page in (a, b):
                    page.goto(f"{WEB}{path}")
                    page.wait_for_selector(f'[data-task-id="{last_id}"]')
                    page.wait_for_selector('[data-live="live"]')
                b.evaluate(_WATCH)

            done_ms: list[float] = []
            if tasks:
                show("/tasks?status=all", tasks[-1]["task_id"])
            for t in tasks:
                clicked = _complete_in_a(a, t["task_id"])
                done_ms.append(_seen_in_b(b, "__completed", t["task_id"]) - clicked)

            # Series after the one-off tasks are done: the pending list then holds them all.
            series = [
                api.post(
                    "/tasks",
                    json={
                        "title": f"Daily {i:02d}",
                        "recurrence": {"rule": "daily", "timezone": "UTC"},
                    },
                    headers=headers,
                ).json()
                for i in range(series_tries)
            ]
            next_ms: list[float] = []
            if series:
                show("/tasks", series[-1]["task_id"])
            for s in series:
                clicked = _complete_in_a(a, s["task_id"])
                # The next instance: pending, and not the one just clicked (whose
                # completion may not have committed yet when the first poll runs).
                nxt = eventually(
                    lambda s=s: [
                        t
                        for t in api.get(
                            "/tasks",
                            params={"series_id": s["series_id"], "status": "pending"},
                            headers=headers,
                        ).json()["items"]
                        if t["task_id"] != s["task_id"]
                    ],
                    timeout=30,
                    interval=0.02,
                )[0]
                next_ms.append(_seen_in_b(b, "__pendingSince", nxt["task_id"]) - clicked)
            browser.close()

    if done_ms:
        print(summary("completion in browser A -> shown completed in browser B", done_ms))
    if next_ms:
        print(summary("completion in browser A -> next instance shown in browser B", next_ms))


if __name__ == "__main__":
    main()
