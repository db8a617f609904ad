"""Complete -> next instance, across rules (issue 11: one of 63 took 5.1 s).

  python bench/bench_complete_next.py [COMPLETIONS] [SERIES_PER_RULE] [FRESH_PER_RULE]

Steady phase: creates SERIES_PER_RULE series for each rule below, then completes their
pending instance round-robin until COMPLETIONS (default 1000) completions were measured;
each sample is the time from the completion request to the next instance being visible
through the API. Fresh phase (the issue's case: third completion of a new series):
FRESH_PER_RULE (default 10) new series per rule, each completed three times in a row from
the moment it is created, the first completion racing the workflow's start. Prints
p50/p95/p99/max overall and per rule and phase, how many events the engine answered with
an error and got redelivered (each costs the resiliency policy's 5 s), and every sample
over 1 s with what the engine and its sidecar logged around it (the cause of an outlier).
Stack up first: scripts/dev-up.sh --no-reload (or through /work/stack-run.sh)."""

import json
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench._stats import summary
from tests.support.stack import API, STATE, auth, new_user

RULES = [
    "daily",
    "FREQ=WEEKLY;BYDAY=MO",
    "every weekday",
    "twice a week at 10",
    "monthly on the 1st",
    "FREQ=YEARLY",
    "every 3 days after I finish",
]
OUTLIER_MS = 1000.0


def _pending(api: httpx.Client, headers: dict[str, str], sid: str) -> str | None:
    items = api.get(
        "/tasks", params={"series_id": sid, "status": "pending"}, headers=headers
    ).json()["items"]
    return str(items[0]["task_id"]) if items else None


def _log_lines_between(start: float, end: float) -> list[str]:
    """Warnings and errors the engine and its sidecar logged in [start, end] (epoch s)."""
    found: list[str] = []
    for name in (
        "recurring-task-service",
        "recurring-task-service-daprd",
        "todo-api",
        "todo-api-daprd",
    ):
        path = STATE / "logs" / f"{name}.log"
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            level = str(entry.get("level", "")).lower()
            if level not in ("warning", "warn", "error", "fatal"):
                continue
            raw = entry.get("time") or entry.get("timestamp")
            try:
                at = datetime.fromisoformat(str(raw).replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
            if start - 1 <= at <= end + 1:
                found.append(f"{name}: {str(entry.get('msg') or entry.get('message'))[:200]}")
    return found


def _redeliveries(start: float, end: float) -> int:
    """Events the engine's sidecar had to redeliver in [start, end] (each waits the
    resiliency policy's 5 s): the app answered an error, an unhandled exception included,
    which the app's own metrics never see."""
    return sum(
        "retriable error returned from app" in line
        for line in _log_lines_between(start, end)
        if line.startswith("recurring-task-service-daprd:")
    )


def _complete_and_wait(
    api: httpx.Client, headers: dict[str, str], sid: str, task: str
) -> tuple[float, float, str | None]:
    """(wall start, ms until the next instance is visible, its id)."""
    wall0, t0 = time.time(), time.perf_counter()
    api.post(f"/tasks/{task}/complete", headers=headers).raise_for_status()
    while (nxt := _pending(api, headers, sid)) is None:
        if time.perf_counter() - t0 > 60:
            break
        time.sleep(0.01)
    return wall0, (time.perf_counter() - t0) * 1000, nxt


def fresh_phase(
    api: httpx.Client, headers: dict[str, str], per_rule: int
) -> tuple[dict[str, list[float]], list[tuple[float, str, str, int, float]]]:
    samples: dict[str, list[float]] = defaultdict(list)
    outliers: list[tuple[float, str, str, int, float]] = []
    for i in range(per_rule):
        for rule in RULES:
            r = api.post(
                "/tasks",
                json={
                    "title": f"fresh {rule} {i}",
                    "recurrence": {"rule": rule, "timezone": "UTC"},
                },
                headers=headers,
            )
            r.raise_for_status()
            sid, task = r.json()["series_id"], r.json()["task_id"]
            for n in (1, 2, 3):
                if task is None:
                    break
                wall0, ms, task = _complete_and_wait(api, headers, sid, task)
                samples[rule].append(ms)
                if ms > OUTLIER_MS:
                    outliers.append((wall0, rule, sid, n, ms))
    return samples, outliers


def main(completions: int, per_rule: int, fresh_per_rule: int) -> None:
    user = new_user()
    headers = auth(user)
    started = time.time()
    with httpx.Client(base_url=f"{API.url}/api/v1", timeout=30) as api:
        fresh, fresh_outliers = fresh_phase(api, headers, fresh_per_rule)
        series: list[tuple[str, str]] = []
        for rule in RULES:
            for i in range(per_rule):
                r = api.post(
                    "/tasks",
                    json={"title": f"{rule} {i}", "recurrence": {"rule": rule, "timezone": "UTC"}},
                    headers=headers,
                )
                r.raise_for_status()
                series.append((rule, r.json()["series_id"]))
        time.sleep(2)  # let the workflows start; a completion before that is still measured
        current = {sid: _pending(api, headers, sid) for _, sid in series}
        samples: dict[str, list[float]] = defaultdict(list)
        rounds: dict[str, int] = defaultdict(int)
        outliers: list[tuple[float, str, str, int, float]] = []
        done = 0
        while done < completions:
            for rule, sid in series:
                if done >= completions:
                    break
                task = current[sid]
                if task is None:
                    continue
                wall0, ms, nxt = _complete_and_wait(api, headers, sid, task)
                rounds[sid] += 1
                samples[rule].append(ms)
                if ms > OUTLIER_MS:
                    outliers.append((wall0, rule, sid, rounds[sid], ms))
                current[sid] = nxt
                done += 1
    retries = _redeliveries(started, time.time())
    fresh_all = [ms for values in fresh.values() for ms in values]
    if fresh_all:
        print(summary(f"fresh series, completions 1-3 from creation, {len(fresh_all)}", fresh_all))
        for rule in RULES:
            print("  " + summary(f"{rule!r}", fresh[rule]))
    everything = [ms for values in samples.values() for ms in values]
    if everything:
        print(summary(f"complete -> next instance, {len(series)} series, all rules", everything))
        for rule in RULES:
            print("  " + summary(f"{rule!r}", samples[rule]))
    both = everything + fresh_all
    print(summary(f"both phases, {len(both)} completions", both))
    print(f"engine events redelivered after an error answer (5 s each): {retries}")
    outliers = fresh_outliers + outliers
    print(f"outliers over {OUTLIER_MS:.0f} ms: {len(outliers)}")
    for wall0, rule, sid, n, ms in outliers:
        print(f"  {ms:.0f} ms  {rule!r}  completion #{n}  series {sid}")
        for line in _log_lines_between(wall0, wall0 + ms / 1000):
            print(f"      {line}")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 5,
        int(sys.argv[3]) if len(sys.argv) > 3 else 10,
    )
