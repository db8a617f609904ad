"""The workflows through actionlint and zizmor (offline), and the whole check script. Each
tool is also shown to catch a planted mistake."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.deploy.iac_tools import PHASE5, ensure_installed, run

WORKFLOWS = PHASE5.parent / ".github" / "workflows"


def test_actionlint_is_clean() -> None:
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    result = run("actionlint", "-no-color", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_offline_is_clean() -> None:
    result = run("zizmor", "--offline", "--no-progress", str(WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


PLANTED = """\
name: planted
on:
  pull_request_target:
permissions: write-all
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
      - run: make
        needs: nothing
"""


def test_the_checkers_catch_a_dangerous_workflow(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "planted.yml").write_text(PLANTED)
    lint = run("actionlint", "-no-color", str(workflows / "planted.yml"))
    assert lint.returncode != 0
    assert "needs" in lint.stdout
    audit = run("zizmor", "--offline", "--no-progress", str(workflows))
    assert audit.returncode != 0
    for finding in (
        "dangerous-triggers",
        "template-injection",
        "unpinned-uses",
        "artipacked",
    ):
        assert finding in audit.stdout, finding


def test_check_iac_script_runs_all_four_checks_green() -> None:
    ensure_installed()
    result = subprocess.run(
        ["bash", str(PHASE5 / "scripts" / "check-iac.sh")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    oks = re.findall(r"\[check-iac\] (\S+)\s+ok in", result.stderr)
    assert oks == ["tofu-fmt", "actionlint", "zizmor", "checkov-staging", "checkov-production"], (
        result.stderr
    )
