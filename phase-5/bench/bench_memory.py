"""The memory of every process of the running stack, RSS and PSS (bench/_cpu.py says why
both), and their sums; the idle-memory target is judged on the PSS sum.
  python bench/bench_memory.py     (stack up)"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._cpu import stack_memory_kb
from tests.support.stack import STATE


def main() -> None:
    memory = stack_memory_kb(STATE)
    print(f"  {'process':<30} {'RSS MiB':>8} {'PSS MiB':>8}")
    for name, (rss, pss) in memory.items():
        print(f"  {name:<30} {rss // 1024:>8} {pss // 1024:>8}")
    print(f"idle stack resident memory: {sum(r for r, _ in memory.values()) // 1024} MiB (RSS sum)")
    print(
        f"idle stack proportional memory: {sum(p for _, p in memory.values()) // 1024} MiB "
        "(PSS sum)"
    )


if __name__ == "__main__":
    main()
