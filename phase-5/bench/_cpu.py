"""CPU seconds and memory used by each process of the dev stack (with its children), for
per-round cost figures and the idle stack's footprint."""

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
    # utime + stime, plus cutime + cstime: the CPU of children it has reaped (PostgreSQL's
    # backends of closed connections), which would otherwise vanish from the tree's sum
    # and make a process's CPU over a window come out negative. A reaped child is no longer
    # in the tree, so nothing is counted twice.
    return sum(int(f) for f in fields[11:15]) / _TICK


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def stack_processes(state: Path) -> dict[str, list[int]]:
    """{process name: its pid and every descendant's} (PostgreSQL's backends, a dev
    server's workers), from the stack's pid files."""
    out: dict[str, list[int]] = {}
    for pidfile in sorted((state / "run").glob("*.pid")):
        todo, tree = [int(pidfile.read_text().strip())], []
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += _children(pid)
        out[pidfile.stem] = tree
    return out


def stack_cpu(state: Path) -> dict[str, float]:
    """{process name: CPU seconds so far}, each with its child processes."""
    return {name: sum(map(_proc_cpu, tree)) for name, tree in stack_processes(state).items()}


def _rollup_kb(pid: int, field: str) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0
    m = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) if m else 0


def stack_memory_kb(state: Path) -> dict[str, tuple[int, int]]:
    """{process name: (RSS, PSS) in kB}, each with its child processes. RSS counts a page
    once per process that maps it (PostgreSQL's shared buffers once per backend); PSS
    divides each page among its mappers, so PSS sums to what the stack takes."""
    return {
        name: (sum(_rollup_kb(p, "Rss") for p in tree), sum(_rollup_kb(p, "Pss") for p in tree))
        for name, tree in stack_processes(state).items()
    }


def scheduler_jobs_created(metrics_port: int) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read()
    return sum(
        float(m.group(1))
        for m in re.finditer(rb"^dapr_scheduler_jobs_created_total\{[^}]*\} (\S+)$", text, re.M)
    )


def per_round(
    before: dict[str, float], after: dict[str, float], rounds: int, unit: str = "round"
) -> str:
    cost = {k: (after[k] - before.get(k, 0.0)) * 1000 / rounds for k in after}
    parts = [f"{k} {v:.1f}" for k, v in sorted(cost.items(), key=lambda kv: -kv[1]) if v >= 0.05]
    return f"CPU ms per {unit}: total {sum(cost.values()):.1f} = " + ", ".join(parts)
