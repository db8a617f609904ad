"""A sidecar that runs but no longer answers (dapr/dapr#10337: after a control-plane
restart some daprd never re-initialise and stay unready for good) is detected by the stack's
supervisor, dev-up.sh, and replaced; a sidecar that is merely starting is left alone.

The stuck state is made with SIGSTOP: the process is there, its ports accept connections,
nothing answers, the way a sidecar that gave up on its runtime looks from outside."""

import contextlib
import os
import signal

import httpx

from tests.support.stack import NOTIFIER, STATE, alive, eventually, pid_of, run_script


def test_a_running_but_unready_sidecar_is_replaced_by_dev_up(stack: str) -> None:
    name = "notification-service-daprd"
    stuck = pid_of(name)
    os.kill(stuck, signal.SIGSTOP)
    try:
        out = run_script("dev-up.sh", "--no-reload", timeout=600)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(stuck, signal.SIGCONT)
    assert f"{name} is running but not ready for 30 s" in out
    assert not alive(stuck), "the stuck sidecar was stopped"
    assert pid_of(name) != stuck
    eventually(
        lambda: httpx.get(f"{NOTIFIER.dapr_url}/v1.0/healthz", timeout=2).status_code == 204,
        timeout=30,
    )
    # The healthy ones were not touched: a second run restarts nothing.
    again = run_script("dev-up.sh", "--no-reload", timeout=600)
    assert "not ready for 30 s" not in again
    assert (STATE / "run" / f"{name}.pid").exists()
