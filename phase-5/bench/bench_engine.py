"""Engine figures (results go to SUMMARIES/measurements.md).

  latency [SERIES] [COMPLETIONS]  complete -> next instance visible through the API,
                                  p50/p95/p99 (default 50 series, 200 completions)
  burst [N]                       N series whose next occurrence falls in the same minute:
                                  time until every instance exists, instances/s, missing
                                  and doubled; plus the idle cost of N live series
                                  (workflow state bytes, scheduler bytes, service memory)
Stack up first: scripts/dev-up.sh --no-reload"""

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench._cpu import per_round, scheduler_jobs_created, stack_cpu
from bench._stats import summary
from tests.support.stack import API, STATE, auth, new_user, query

SCHEDULER_METRICS = 59091
SERIES_PER_USER = 1000


def _create(api: httpx.Client, headers: dict[str, str], body: dict[str, object]) -> dict[str, str]:
    for attempt in range(5):
        r = api.post("/tasks", json=body, headers=headers)
        if r.status_code == 201:
            return r.json()  # type: ignore[no-any-return]
        time.sleep(0.5 * (attempt + 1))
    r.raise_for_status()
    raise AssertionError("unreachable")


def _wait_started(users: list[str], n: int, timeout: float) -> None:
    """Until the engine has consumed every v1.series.created of these users (workflows
    started)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = query(
            "SELECT count(*) FROM processed_events p "
            "JOIN outbox o ON o.event_id::text = p.event_id "
            "WHERE o.event_type = 'v1.series.created' AND o.partition_key = ANY(%s) "
            "AND p.consumer = 'recurring-task-service.task-events'",
            users,
        )[0][0]
        if started >= n:
            return
        time.sleep(1)
    raise SystemExit(f"workflows not all started within {timeout}s")


def latency(n_series: int, completions: int) -> None:
    user = new_user()
    headers = auth(user)
    with httpx.Client(base_url=f"{API.url}/api/v1", timeout=30) as api:
        firsts = [
            _create(
                api,
                headers,
                {"title": f"lat {i}", "recurrence": {"rule": "daily", "timezone": "UTC"}},
            )
            for i in range(n_series)
        ]
        _wait_started([user], n_series, 120)
        current = {f["series_id"]: f["task_id"] for f in firsts}
        samples: list[float] = []
        order = [f["series_id"] for f in firsts] * (completions // n_series + 1)
        for sid in order[:completions]:
            t0 = time.perf_counter()
            api.post(f"/tasks/{current[sid]}/complete", headers=headers).raise_for_status()
            while True:
                items = api.get(
                    "/tasks", params={"series_id": sid, "status": "pending"}, headers=headers
                ).json()["items"]
                if items:
                    break
                time.sleep(0.01)
            samples.append((time.perf_counter() - t0) * 1000)
            current[sid] = items[0]["task_id"]
    print(summary(f"complete -> next instance visible ({n_series} series)", samples))


def _rss_kb(name: str) -> int:
    pid = (STATE / "run" / f"{name}.pid").read_text().strip()
    out = subprocess.run(
        ["ps", "-o", "rss=", "--ppid", pid, "-p", pid], capture_output=True, text=True
    )
    return sum(int(x) for x in out.stdout.split())


def _du(path: Path) -> int:
    out = subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True)
    return int(out.stdout.split()[0])


def _state_bytes() -> int:
    return int(
        query(
            "SELECT coalesce(sum(pg_column_size(t.*)), 0) FROM dapr_workflow_state t "
            "WHERE key LIKE %s",
            "%series-%",
        )[0][0]
    )


def burst(n: int) -> None:
    # Many users, as a real herd has: each user's pending tasks are capped (5,000 by
    # default), and a burst series holds two pending instances at its end.
    users = [new_user() for _ in range(-(-n // SERIES_PER_USER))]
    headers = [auth(u) for u in users]
    now = datetime.now(UTC)
    # Two occurrences: `first` (materialized at creation) and `target`, shared by every
    # series, two minutes later; lead time one minute, so every workflow's timer fires at
    # target - 1 min. Creation must finish before `first`: 57 series/s measured at 1,000
    # (2026-11-29), so 30/s plus three minutes leaves room (it warns if it overran).
    first = (now + timedelta(seconds=n / 30 + 180)).replace(second=0, microsecond=0)
    target = first + timedelta(minutes=2)
    hours = sorted({first.hour, target.hour})
    minutes = sorted({first.minute, target.minute})
    rule = f"FREQ=DAILY;BYHOUR={','.join(map(str, hours))};BYMINUTE={','.join(map(str, minutes))}"
    body = {
        "title": "burst",
        "recurrence": {
            "rule": rule,
            "timezone": "UTC",
            "lead_time_minutes": 1,
            "start": first.replace(tzinfo=None).isoformat(),
        },
    }
    before = (_state_bytes(), _du(STATE / "scheduler"), _rss_kb("recurring-task-service"))
    t0 = time.perf_counter()
    with (
        httpx.Client(
            base_url=f"{API.url}/api/v1", timeout=60, limits=httpx.Limits(max_connections=16)
        ) as api,
        ThreadPoolExecutor(8) as pool,
    ):
        firsts = list(
            pool.map(lambda i: _create(api, headers[i // SERIES_PER_USER], body), range(n))
        )
    print(
        f"created {n} series in {time.perf_counter() - t0:.1f} s; "
        f"shared next occurrence {target.isoformat()}"
    )
    _wait_started(users, len(firsts), 900)
    time.sleep(5)
    after = (_state_bytes(), _du(STATE / "scheduler"), _rss_kb("recurring-task-service"))
    per_k = 1000 / n
    print(
        "idle cost per 1000 live series: "
        f"workflow state {(after[0] - before[0]) * per_k / 1024:.0f} KiB, "
        f"scheduler data {(after[1] - before[1]) * per_k / 1024:.0f} KiB, "
        f"service RSS {(after[2] - before[2]) * per_k / 1024:.1f} MiB"
    )
    fire = target - timedelta(minutes=1)
    if datetime.now(UTC) > fire:
        print("WARNING: creation overran the burst minute; figures below include catch-up")
    while datetime.now(UTC) < fire - timedelta(seconds=1):
        time.sleep(0.2)
    cpu_before, jobs_before = stack_cpu(STATE), scheduler_jobs_created(SCHEDULER_METRICS)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        done = query(
            "SELECT count(*) FROM tasks WHERE user_id = ANY(%s) AND occurrence_at = %s",
            users,
            target,
        )[0][0]
        if done >= n:
            break
        time.sleep(0.5)
    time.sleep(3)  # the instances' events are still being relayed and consumed
    cpu_after, jobs_after = stack_cpu(STATE), scheduler_jobs_created(SCHEDULER_METRICS)
    early = query(
        "SELECT count(*) FROM tasks WHERE user_id = ANY(%s) AND occurrence_at = %s "
        "AND created_at < %s",
        users,
        target,
        fire - timedelta(seconds=1),
    )[0][0]
    rows = query(
        "SELECT count(*), count(DISTINCT series_id), min(created_at), max(created_at) FROM tasks "
        "WHERE user_id = ANY(%s) AND occurrence_at = %s",
        users,
        target,
    )[0]
    if early:
        print(f"WARNING: {early} instances were created before the lead-time instant")
    count, distinct, first_at, last_at = rows
    span = (last_at - fire).total_seconds() if last_at else float("nan")
    spread = (last_at - first_at).total_seconds() if last_at else float("nan")
    print(
        f"burst of {n}: {count} instances, {n - distinct} missing, {count - distinct} doubled; "
        f"all exist {span:.1f} s after the lead-time instant; created over {spread:.1f} s "
        f"= {count / max(spread, 0.001):.0f} instances/s"
    )
    print(per_round(cpu_before, cpu_after, n))
    print(f"scheduler jobs created per round: {(jobs_after - jobs_before) / n:.2f}")


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "latency"
    if what == "latency":
        latency(
            int(sys.argv[2]) if len(sys.argv) > 2 else 50,
            int(sys.argv[3]) if len(sys.argv) > 3 else 200,
        )
    elif what == "burst":
        burst(int(sys.argv[2]) if len(sys.argv) > 2 else 5000)
    else:
        raise SystemExit(__doc__)
