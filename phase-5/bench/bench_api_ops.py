"""API task operations/s at p95 < 500 ms: locust, headless, bounded, loopback only.

  python bench/bench_api_ops.py [SECONDS_PER_STEP] [USERS ...]     (stack up)

Runs locust_api.py's users against todo-api on 127.0.0.1:8000 in steps of a growing number
of users (default 8, 16, 32, 64; SECONDS_PER_STEP 30), and prints each step's operations/s,
p50/p95/p99 and failures, then the highest operations/s of a step whose p95 stayed under
500 ms. The load generator runs on the same 2 cores as the stack (it takes its share):
each step also prints the CPU per operation of every process of the stack and of locust,
which bounds the rate the machine can serve (2 cores' 2,000 ms per second / that cost)."""

import csv
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

P5 = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(P5))

from bench._cpu import per_round, stack_cpu  # noqa: E402
from tests.support.stack import STATE  # noqa: E402

P95_LIMIT_MS = 500.0


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def step(users: int, seconds: int) -> tuple[float, float, float, float, int, str]:
    before, locust_before = stack_cpu(STATE), _children_cpu()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(P5 / "bench" / "locust_api.py"),
             "--headless", "-u", str(users), "-r", str(max(users // 2, 1)),
             "-t", f"{seconds}s", "--host", "http://127.0.0.1:8000", "--only-summary",
             "--csv", f"{tmp}/run", "--loglevel", "ERROR", "--stop-timeout", "5",
             "--exit-code-on-error", "0"],
            cwd=P5, capture_output=True, text=True,
        )  # fmt: skip
        if not Path(f"{tmp}/run_stats.csv").exists():
            raise SystemExit(f"locust did not run:\n{proc.stderr[-2000:]}")
        with open(f"{tmp}/run_stats.csv") as f:
            row = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    after = stack_cpu(STATE)
    after["locust"], before["locust"] = _children_cpu(), locust_before
    cost = per_round(before, after, max(int(row["Request Count"]), 1), unit="operation")
    return (
        float(row["Requests/s"]),
        float(row["50%"]),
        float(row["95%"]),
        float(row["99%"]),
        int(row["Failure Count"]),
        cost,
    )


def main(seconds: int, users: list[int]) -> None:
    best = 0.0
    for u in users:
        rps, p50, p95, p99, failures, cost = step(u, seconds)
        ok = p95 < P95_LIMIT_MS
        print(
            f"api ops: {u} users: {rps:.0f} ops/s, p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
            f"p99 {p99:.0f} ms, {failures} failures{'' if ok else ' (p95 over the limit)'}; {cost}"
        )
        if ok and failures == 0:
            best = max(best, rps)
    print(f"API task operations/s at p95 < {P95_LIMIT_MS:.0f} ms: {best:.0f}")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 30,
        [int(x) for x in sys.argv[2:]] or [8, 16, 32, 64],
    )
