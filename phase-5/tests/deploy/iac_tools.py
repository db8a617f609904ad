"""The IaC checkers (OpenTofu, actionlint, zizmor, checkov), installed on first use by the
project's own installer (cached under ~/.cache/phase5/bin; seconds when already built), the
way the stack tests start the stack through dev-up.sh."""

from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path

PHASE5 = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("P5_CACHE", Path.home() / ".cache" / "phase5")) / "bin"


@cache
def ensure_installed() -> Path:
    subprocess.run(["bash", str(PHASE5 / "scripts" / "install-iac-tools.sh")], check=True)
    return BIN


def run(
    tool: str,
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Runs one checker; never raises on a non-zero exit (the tests assert on it)."""
    binary = ensure_installed() / tool
    base = dict(os.environ)
    # A CLI configuration variable naming a missing file only makes OpenTofu print warnings.
    if not Path(base.get("TF_CLI_CONFIG_FILE", "/")).exists():
        base.pop("TF_CLI_CONFIG_FILE")
    return subprocess.run(
        [str(binary), *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
