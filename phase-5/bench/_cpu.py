"""CPU seconds used by each process of the dev stack, for per-round cost figures."""

import os
import re
import urllib.request
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def stack_cpu(state: Path) -> dict[str, float]:
    """{process name: CPU seconds so far}, each with its child processes (PostgreSQL's
    backends, a dev server's workers)."""
    out: dict[str, float] = {}
    for pidfile in sorted((state / "run").glob("*.pid")):
        todo, total = [int(pidfile.read_text().strip())], 0.0
        while todo:
            pid = todo.pop()
            total += _proc_cpu(pid)
            todo += _children(pid)
        out[pidfile.stem] = total
    return out


def scheduler_jobs_created(metrics_port: int) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read()
    return sum(
        float(m.group(1))
        for m in re.finditer(rb"^dapr_scheduler_jobs_created_total\{[^}]*\} (\S+)$", text, re.M)
    )


def per_round(before: dict[str, float], after: dict[str, float], rounds: int) -> str:
    cost = {k: (after[k] - before.get(k, 0.0)) * 1000 / rounds for k in after}
    parts = [f"{k} {v:.1f}" for k, v in sorted(cost.items(), key=lambda kv: -kv[1]) if v >= 0.05]
    return f"CPU ms per round: total {sum(cost.values()):.1f} = " + ", ".join(parts)
