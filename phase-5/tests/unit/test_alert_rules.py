"""The alert rules (charts/phase5/files/alerts.yaml) are valid, and each fires on the
failure it names and clears once it is over: `promtool test rules` on tests/unit/alerts/.
promtool comes with Prometheus (scripts/install-prometheus.sh, part of install.sh)."""

import os
import shutil
import subprocess
from pathlib import Path

import yaml

P5 = Path(__file__).resolve().parents[2]
RULES = P5 / "charts/phase5/files/alerts.yaml"
TESTS = Path(__file__).resolve().parent / "alerts/alerts.test.yaml"
CACHE_BIN = Path(os.environ.get("P5_CACHE", Path.home() / ".cache/phase5")) / "bin"
REQUIRED = {
    "PodCrashLooping",
    "ConsumerLagHigh",
    "HighErrorRate",
    "DeadLetterGrowing",
    "OutboxStale",
    "RemindersLate",
    "SchedulerStorageHigh",
}


def _promtool() -> str:
    found = shutil.which("promtool") or shutil.which("promtool", path=str(CACHE_BIN))
    assert found, "promtool not found: run phase-5/scripts/install-prometheus.sh"
    return found


def _alerts() -> set[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {r["alert"] for g in groups for r in g["rules"] if "alert" in r}


def test_the_rule_file_is_valid() -> None:
    run = subprocess.run(
        [_promtool(), "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_alert_fires_and_clears_in_its_unit_tests() -> None:
    run = subprocess.run(
        [_promtool(), "test", "rules", TESTS.name],
        cwd=TESTS.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    tested = yaml.safe_load(TESTS.read_text())["tests"]
    fired = {
        case["alertname"] for t in tested for case in t["alert_rule_test"] if case.get("exp_alerts")
    }
    cleared = {
        case["alertname"]
        for t in tested
        for case in t["alert_rule_test"]
        if case.get("exp_alerts") == []
    }
    assert _alerts() >= REQUIRED
    assert fired == _alerts(), "an alert without a test that makes it fire"
    assert cleared == _alerts(), "an alert without a test that sees it clear"


def test_every_alert_has_a_runbook_section() -> None:
    runbook = (P5 / "SUMMARIES/runbook.md").read_text().lower()
    groups = yaml.safe_load(RULES.read_text())["groups"]
    for rule in (r for g in groups for r in g["rules"] if "alert" in r):
        anchor = rule["annotations"]["runbook"].split("#")[1]
        assert f"### {anchor}" in runbook, f"runbook.md has no section for {rule['alert']}"
