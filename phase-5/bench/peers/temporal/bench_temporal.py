"""The Temporal peer's figures: the same burst and complete -> next as bench_engine.py.

  python -m bench.peers.temporal.bench_temporal [--burst N] [--latency SERIES COMPLETIONS]
  (from phase-5/, the stack's PostgreSQL up; the Temporal CLI built by install.sh)

Starts its own Temporal dev server (`temporal server start-dev`, SQLite in a file, so its
state is durable as ours is; 127.0.0.1 only; no UI) and one worker process, runs the
figures asked for, and stops both. The peer's instances live in the stack's PostgreSQL
(schema temporal_peer), so both designs pay for the same database round.
- burst N: N series whose next occurrence is due in the same minute, lead time one minute;
  instances/s over the span of their creation, CPU ms per round of the Temporal server, the
  worker and PostgreSQL, missing and doubled (re-executed activities).
- latency: a completion signal to the next instance's row visible, p50/p95/p99."""

# ruff: noqa: ASYNC110 (the bench polls PostgreSQL for the rows it waits for)

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from bench._cpu import _children, _proc_cpu
from bench._stats import summary
from bench.peers.temporal.contracts import COMPLETE_SIGNAL, TASK_QUEUE, SeriesState
from tests.support.stack import STATE, db_url, query

P5 = Path(__file__).resolve().parents[3]
PORT, HTTP_PORT = 7233, 7243
ADDRESS = f"127.0.0.1:{PORT}"
PILOT = 50


def _tree_cpu(pid: int) -> float:
    todo, total = [pid], 0.0
    while todo:
        p = todo.pop()
        total += _proc_cpu(p)
        todo += _children(p)
    return total


def _postgres_pid() -> int:
    return int((STATE / "run" / "postgres.pid").read_text().strip())


class Peer:
    """The dev server and one worker, as child processes of this bench."""

    def __init__(self, temporal: str, memory: bool) -> None:
        for port in (PORT, HTTP_PORT):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    raise SystemExit(f"port {port} is taken; is another Temporal running?")
        self.dir = Path(tempfile.mkdtemp(prefix="temporal-peer-", dir=STATE))
        logs = STATE / "logs"
        self.server = subprocess.Popen(
            [temporal, "server", "start-dev", "--headless", "--ip", "127.0.0.1",
             "--port", str(PORT), "--http-port", str(HTTP_PORT),
             "--log-level", "warn",
             *([] if memory else ["--db-filename", str(self.dir / "temporal.db")])],
            stdout=open(logs / "temporal-peer.log", "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
        )  # fmt: skip
        self.worker: subprocess.Popen[bytes] | None = None

    async def start_worker(self) -> Client:
        deadline = time.monotonic() + 60
        while True:
            try:
                client = await Client.connect(ADDRESS)
                await client.workflow_service.describe_namespace(
                    DescribeNamespaceRequest(namespace=client.namespace)
                )
                break
            except Exception as err:  # not up yet
                if time.monotonic() > deadline or self.server.poll() is not None:
                    raise SystemExit(
                        "the Temporal dev server did not come up; see its log"
                    ) from err
                await asyncio.sleep(0.5)
        self.worker = self._start_worker()
        assert self.worker.stdout is not None
        line = await asyncio.to_thread(self.worker.stdout.readline)
        if b"ready" not in line:
            raise SystemExit("the peer's worker did not start; see temporal-peer-worker.log")
        return client

    def _start_worker(self) -> "subprocess.Popen[bytes]":
        log = open(STATE / "logs" / "temporal-peer-worker.log", "ab")  # noqa: SIM115
        return subprocess.Popen(
            [sys.executable, "-m", "bench.peers.temporal.worker", ADDRESS, db_url()],
            cwd=P5, stdout=subprocess.PIPE, stderr=log,
        )  # fmt: skip

    def cpu(self) -> dict[str, float]:
        assert self.worker is not None
        return {
            "temporal-server": _tree_cpu(self.server.pid),
            "temporal-worker": _tree_cpu(self.worker.pid),
            "postgres": _tree_cpu(_postgres_pid()),
        }

    def stop(self) -> None:
        for proc in (self.worker, self.server):
            if proc is None:
                continue
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def _per_round(before: dict[str, float], after: dict[str, float], rounds: int) -> str:
    cost = {k: (after[k] - before[k]) * 1000 / rounds for k in after}
    parts = ", ".join(f"{k} {v:.1f}" for k, v in sorted(cost.items(), key=lambda kv: -kv[1]))
    return f"CPU ms per round: total {sum(cost.values()):.1f} = {parts}"


def _count(user: str, occurrence: int) -> int:
    return int(
        query(
            "SELECT count(*) FROM temporal_peer.instances WHERE user_id = %s AND occurrence = %s",
            user,
            occurrence,
        )[0][0]
    )


async def _start(client: Client, state: SeriesState) -> None:
    await client.start_workflow(
        "SeriesWorkflow", state, id=f"series-{state.series_id}", task_queue=TASK_QUEUE
    )


async def _start_all(client: Client, states: list[SeriesState]) -> None:
    sem = asyncio.Semaphore(32)

    async def one(s: SeriesState) -> None:
        async with sem:
            await _start(client, s)

    await asyncio.gather(*(one(s) for s in states))


async def _setup_rate(client: Client) -> float:
    """Series set up per second (started and first round done), from a pilot of PILOT
    series of another user, so the burst's shared instant leaves time to set them all up."""
    user = f"pilot-{uuid.uuid4().hex[:12]}"
    far = time.time() + 86400
    t0 = time.perf_counter()
    await _start_all(
        client, [SeriesState(uuid.uuid4().hex, user, far, 86400, 60) for _ in range(PILOT)]
    )
    while _count(user, 0) < PILOT:
        await asyncio.sleep(0.1)
    return PILOT / (time.perf_counter() - t0)


async def burst(peer: Peer, client: Client, n: int) -> None:
    user = f"user-{uuid.uuid4().hex[:12]}"
    # Occurrence 0 materializes at start; occurrence 1 is due `interval` later, and every
    # series' lead-time instant for it is the same `fire`. Setting up must end before it.
    rate = await _setup_rate(client)
    fire = time.time() + 20 + 1.5 * n / rate
    away = fire - time.time()
    print(f"peer: pilot set up {rate:.0f} series/s; the burst instant is {away:.0f} s away")
    interval, lead = 120, 60
    start_epoch = fire - interval + lead
    states = [SeriesState(uuid.uuid4().hex, user, start_epoch, interval, lead) for _ in range(n)]
    t0 = time.perf_counter()
    await _start_all(client, states)
    print(f"peer: started {n} series workflows in {time.perf_counter() - t0:.1f} s")
    while _count(user, 0) < n and time.time() < fire - 2:
        await asyncio.sleep(0.5)
    if time.time() > fire - 1:
        print("WARNING: setting up overran the burst instant; figures include catch-up")
    while time.time() < fire - 1:
        await asyncio.sleep(0.2)
    cpu_before = peer.cpu()
    deadline = time.monotonic() + 900
    while _count(user, 1) < n and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    await asyncio.sleep(3)
    cpu_after = peer.cpu()
    count, first_at, last_at, again = query(
        "SELECT count(*), extract(epoch FROM min(created_at)), "
        "extract(epoch FROM max(created_at)), coalesce(sum(attempts - 1), 0) "
        "FROM temporal_peer.instances "
        "WHERE user_id = %s AND occurrence = 1",
        user,
    )[0]
    spread = float(last_at) - float(first_at) if count else float("nan")
    print(
        f"peer burst of {n}: {count} instances, {n - count} missing, {again} doubled "
        f"(activities run again); all exist {float(last_at or 0) - fire:.1f} s after the "
        f"lead-time instant; created over {spread:.1f} s = {count / max(spread, 0.001):.0f} "
        "instances/s"
    )
    print("peer " + _per_round(cpu_before, cpu_after, max(int(count), 1)))


async def latency(client: Client, n_series: int, completions: int) -> None:
    user = f"user-{uuid.uuid4().hex[:12]}"
    states = [
        SeriesState(uuid.uuid4().hex, user, time.time() + 3600, 86400, 900) for _ in range(n_series)
    ]
    for s in states:
        await _start(client, s)
    while _count(user, 0) < n_series:
        await asyncio.sleep(0.2)
    current = {s.series_id: 0 for s in states}
    samples: list[float] = []
    for i in range(completions):
        sid = states[i % n_series].series_id
        occ = current[sid]
        t0 = time.perf_counter()
        await client.get_workflow_handle(f"series-{sid}").signal(COMPLETE_SIGNAL, occ)
        while not query(
            "SELECT 1 FROM temporal_peer.instances WHERE series_id = %s AND occurrence = %s",
            sid,
            occ + 1,
        ):
            await asyncio.sleep(0.01)
            if time.perf_counter() - t0 > 60:
                raise SystemExit(f"peer: no next instance for {sid} within 60 s")
        samples.append((time.perf_counter() - t0) * 1000)
        current[sid] = occ + 1
    print("peer " + summary(f"complete -> next instance visible ({n_series} series)", samples))


def _temporal_cli() -> str:
    return subprocess.run(
        ["bash", str(Path(__file__).with_name("install.sh"))],
        check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip


async def main(args: argparse.Namespace, temporal: str) -> None:
    print(f"peer: Temporal CLI {Path(temporal).parent.name}, `server start-dev` on {ADDRESS}")
    peer = Peer(temporal, args.memory)
    if args.memory:
        print("peer: SQLite in memory (not durable)")
    try:
        client = await peer.start_worker()
        if args.latency:
            await latency(client, args.latency[0], args.latency[1])
        if args.burst:
            await burst(peer, client, args.burst)
    finally:
        peer.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--burst", type=int)
    parser.add_argument("--latency", type=int, nargs=2, metavar=("SERIES", "COMPLETIONS"))
    parser.add_argument("--memory", action="store_true", help="SQLite in memory, not a file")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(main(parser.parse_args(), _temporal_cli()))
