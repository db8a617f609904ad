"""The Dapr floor: a bare Dapr workflow with our round's shape, on the same sidecar setup.

  python bench/bench_floor.py [N]     (stack up: scripts/dev-up.sh --no-reload)

The best any Dapr design can do on this machine, measured beside the engine each time
(scripts/bench.sh). This process is the floor's app: it starts its own daprd (app-id
`bench-floor`, the stack's placement, scheduler, configuration and PostgreSQL workflow
store) and registers one workflow and one activity. N workflows start and each waits, with
a timeout at one shared instant, for an event that never comes (as a series waits for its
lead-time instant); at that instant each runs the round: one no-op activity, then one event
wait with a timeout (a day away, as the engine's next lead-time instant). Printed:
rounds/s over the span of the rounds' activities and the CPU ms per round of every process
(this app, its sidecar, the stack's), over the burst window plus 3 s, as bench_engine.py
measures the engine's burst. Afterwards each workflow gets its event and ends."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dapr.ext.workflow import (
    DaprWorkflowClient,
    DaprWorkflowContext,
    WorkflowActivityContext,
    WorkflowRuntime,
)

from bench._cpu import _proc_cpu, per_round, stack_cpu
from tests.support.stack import STATE

P5 = Path(__file__).resolve().parents[1]
APP_ID = "bench-floor"
HTTP, GRPC, INTERNAL, METRICS = 3509, 50009, 50019, 59109
PLACEMENT, SCHEDULER = 50005, 50006
WAKE = "wake"
ROUND_DONE: list[float] = []


def noop(ctx: WorkflowActivityContext, _: Any) -> None:
    ROUND_DONE.append(time.time())


def floor_workflow(ctx: DaprWorkflowContext, fire_at: str) -> Generator[Any, Any, None]:
    with suppress(TimeoutError):
        yield ctx.wait_for_external_event(WAKE, timeout=datetime.fromisoformat(fire_at))
    yield ctx.call_activity(noop, input=None)
    with suppress(TimeoutError):
        yield ctx.wait_for_external_event(
            WAKE, timeout=ctx.current_utc_datetime + timedelta(days=1)
        )


def _resources(into: Path) -> None:
    """The stack's workflow store and secret store, scoped to this app instead."""
    for name in ("statestore.yaml", "secretstore.yaml"):
        text = (P5 / "components" / name).read_text()
        head, _, _ = text.partition("\nscopes:")
        (into / name).write_text(head.rstrip() + f"\nscopes:\n  - {APP_ID}\n")


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _start_sidecar(resources: Path) -> subprocess.Popen[bytes]:
    for port in (HTTP, GRPC, INTERNAL, METRICS):
        if not _port_free(port):
            raise SystemExit(f"port {port} is taken; is another bench-floor running?")
    daprd = shutil.which("daprd") or str(Path.home() / ".cache/phase5/bin/daprd")
    log = open(STATE / "logs" / f"{APP_ID}-daprd.log", "ab")  # noqa: SIM115 (lives as long as daprd)
    proc = subprocess.Popen(
        [daprd, "--app-id", APP_ID, "--dapr-listen-addresses", "127.0.0.1",
         "--dapr-http-port", str(HTTP), "--dapr-grpc-port", str(GRPC),
         "--dapr-internal-grpc-port", str(INTERNAL),
         "--dapr-internal-grpc-listen-address", "127.0.0.1",
         "--metrics-port", str(METRICS), "--metrics-listen-address", "127.0.0.1",
         "--placement-host-address", f"127.0.0.1:{PLACEMENT}",
         "--scheduler-host-address", f"127.0.0.1:{SCHEDULER}",
         "--resources-path", str(resources),
         "--config", str(P5 / "components" / "configuration.yaml"),
         "--log-as-json", "--log-level", "warn"],
        cwd=STATE, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{HTTP}/v1.0/healthz", timeout=2).status_code < 300:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"daprd exited; see {STATE}/logs/{APP_ID}-daprd.log")
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("the floor's daprd did not become healthy in 60 s")


def _cpu(sidecar: int) -> dict[str, float]:
    out = stack_cpu(STATE)
    out[APP_ID] = _proc_cpu(os.getpid())
    out[f"{APP_ID}-daprd"] = _proc_cpu(sidecar)
    return out


def run(n: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    _resources(tmp)
    sidecar = _start_sidecar(tmp)
    runtime = WorkflowRuntime(host="127.0.0.1", port=str(GRPC))
    runtime.register_workflow(floor_workflow, name="floor_workflow")
    runtime.register_activity(noop, name="noop")
    runtime.start()
    client = DaprWorkflowClient(host="127.0.0.1", port=str(GRPC))
    run_id = f"floor-{int(time.time())}"
    ids = [f"{run_id}-{i}" for i in range(n)]
    try:
        # Starting costs far less than a round; 60/s is a safe floor for this machine.
        fire = (datetime.now(UTC) + timedelta(seconds=15 + n / 60)).replace(tzinfo=None)
        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(
                lambda i: client.schedule_new_workflow(
                    floor_workflow, input=fire.isoformat(), instance_id=i),
                ids,
            ))  # fmt: skip
        print(f"started {n} floor workflows in {time.perf_counter() - t0:.1f} s")
        fire_epoch = fire.replace(tzinfo=UTC).timestamp()
        if time.time() > fire_epoch:
            print("WARNING: starting overran the burst instant; figures include catch-up")
        while time.time() < fire_epoch - 1:
            time.sleep(0.2)
        cpu_before = _cpu(sidecar.pid)
        deadline = time.monotonic() + 900
        while len(ROUND_DONE) < n and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)
        cpu_after = _cpu(sidecar.pid)
        done = sorted(ROUND_DONE)
        span = done[-1] - done[0] if done else float("nan")
        print(
            f"floor burst of {n}: {len(done)} rounds, {n - len(done)} missing; "
            f"all done {done[-1] - fire_epoch:.1f} s after the instant; over {span:.1f} s "
            f"= {len(done) / max(span, 0.001):.0f} rounds/s"
        )
        print(per_round(cpu_before, cpu_after, max(len(done), 1)))
    finally:
        lock = threading.Lock()
        ended = [0]

        def wake(i: str) -> None:
            try:
                client.raise_workflow_event(i, WAKE, data=None)
                with lock:
                    ended[0] += 1
            except Exception:  # cleanup: a workflow already gone is fine
                pass

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(wake, ids))
        time.sleep(2)
        runtime.shutdown()
        sidecar.terminate()
        try:
            sidecar.wait(20)
        except subprocess.TimeoutExpired:
            sidecar.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
