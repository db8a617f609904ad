"""Percentiles for the bench scripts' printed figures."""

import statistics


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(name: str, values_ms: list[float]) -> str:
    return (
        f"{name}: n={len(values_ms)} p50={pct(values_ms, 50):.1f} ms "
        f"p95={pct(values_ms, 95):.1f} ms p99={pct(values_ms, 99):.1f} ms "
        f"max={max(values_ms):.1f} ms mean={statistics.fmean(values_ms):.1f} ms"
    )
