"""bench.sh's table: figures read from the benchmarks' own output lines, each target judged
against the reference measured in the same run, and its section of measurements.md
replaced in place."""

from pathlib import Path

from bench.bench_report import BEGIN, END, Logs, build, write_section


def _logs(tmp_path: Path, **files: str) -> Logs:
    for name, text in files.items():
        (tmp_path / f"{name.replace('_', '-')}.log").write_text(text)
    return Logs(tmp_path)


def _row(rows: list, prefix: str):  # type: ignore[no-untyped-def]
    return next(r for r in rows if r.figure.startswith(prefix))


ENGINE = (
    "burst of 1000: 1000 instances, 0 missing, {doubled} doubled; all exist 15.0 s after the "
    "lead-time instant; created over 14.8 s = {rate} instances/s\n"
    "CPU ms per round: total {cpu} = recurring-task-service 11.5, scheduler 4.8\n"
)
FLOOR = (
    "floor burst of 1000: 1000 rounds, 0 missing; all done 13.1 s after the instant; "
    "over 12.5 s = 80 rounds/s\nCPU ms per round: total 21.0 = bench-floor 5.0\n"
)


def test_burst_is_judged_against_the_floor_of_the_same_run(tmp_path: Path) -> None:
    logs = _logs(
        tmp_path,
        engine_1000=ENGINE.format(doubled=0, rate=67, cpu=29.3),
        floor_1000=FLOOR,
    )
    rows, _ = build(logs, [1000])
    rate = _row(rows, "burst of 1000: rounds")
    assert rate.ours == "67/s" and rate.floor == "80/s"
    assert "76/s" in rate.target  # 0.95 x 80
    assert rate.verdict.startswith("**not met** by 9.0/s")
    cpu = _row(rows, "burst of 1000: CPU")
    assert "24.0 ms" in cpu.target and cpu.verdict.startswith("**not met** by 5.3 ms")
    assert _row(rows, "burst of 1000: missing").verdict == "met"


def test_a_fast_enough_engine_meets_and_a_doubled_instance_fails(tmp_path: Path) -> None:
    logs = _logs(
        tmp_path, engine_1000=ENGINE.format(doubled=2, rate=77, cpu=23.9), floor_1000=FLOOR
    )
    rows, _ = build(logs, [1000])
    assert _row(rows, "burst of 1000: rounds").verdict.startswith("met")
    assert _row(rows, "burst of 1000: CPU").verdict.startswith("met")
    assert _row(rows, "burst of 1000: missing").verdict == "**not met**"


def test_latency_targets_read_p99_and_p95(tmp_path: Path) -> None:
    logs = _logs(
        tmp_path,
        complete_next="complete -> next instance, 35 series, all rules: n=1000 p50=50.8 ms "
        "p95=64.0 ms p99=260.0 ms max=300.0 ms mean=52.0 ms\n",
        outbox="outbox commit -> publish acknowledged: n=300 p50=14.9 ms p95=25.0 ms "
        "p99=89.7 ms max=100.0 ms mean=20.0 ms\n",
    )
    rows, _ = build(logs, [])
    assert _row(rows, "complete").verdict.startswith("**not met** by 10.0 ms")
    assert _row(rows, "commit").verdict.startswith("met (5.0 ms to spare)")
    assert _row(rows, "warm start").verdict == "not measured"


def test_the_section_is_replaced_not_appended(tmp_path: Path) -> None:
    doc = tmp_path / "measurements.md"
    doc.write_text("# Measured\nbefore\n")
    write_section(doc, "first table")
    write_section(doc, "second table")
    text = doc.read_text()
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    assert "second table" in text and "first table" not in text
    assert text.startswith("# Measured\nbefore\n")
