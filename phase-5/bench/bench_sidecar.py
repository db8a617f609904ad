"""Our sidecar HTTP client (infra/sidecar.py) against the Dapr Python SDK's gRPC client
(`dapr.aio.clients.DaprClient`) on the same daprd: publish, secret read, job schedule +
delete, and what each costs a process to import and to construct.

Publishes go to `updates-dlq` (no subscriber), jobs are due in a day and deleted at once,
both through todo-api's sidecar. The two clients alternate in rounds so neither profits
from a warmer broker. Usage: uv run python bench/bench_sidecar.py [N]   (stack up)"""

import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dapr.aio.clients import ConstantFailurePolicy, DaprClient, Job

from bench._stats import summary
from infra.settings import Settings
from infra.sidecar import Sidecar
from tests.support.stack import API

P5 = Path(__file__).resolve().parents[1]
TOPIC = "updates-dlq"
CONCURRENCY = 32


def event(i: int) -> dict[str, object]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "type": "v1.bench.sidecar",
        "source": "bench",
        "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json",
        "data": {"i": i, "user_id": "bench", "pad": "x" * 400},
    }


async def timed(n: int, op: Callable[[int], Awaitable[object]]) -> list[float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        await op(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def rate(n: int, op: Callable[[int], Awaitable[object]]) -> float:
    sem = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with sem:
            await op(i)

    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return n / (time.perf_counter() - t0)


def import_ms(module: str) -> float:
    """Median wall time of `import module` in a fresh interpreter (5 runs)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = sorted(
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=P5
            ).stdout
        )
        for _ in range(5)
    )
    return runs[2] * 1000


async def main(n: int) -> None:
    settings = Settings(dapr_http_port=API.dapr_http, dapr_grpc_port=API.dapr_grpc)
    t0 = time.perf_counter()
    http = Sidecar(settings)
    await http.wait_ready()
    http_ctor = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    grpc = DaprClient(f"{settings.dapr_host}:{settings.dapr_grpc_port}")
    grpc_ctor = (time.perf_counter() - t0) * 1000

    async def http_publish(i: int) -> None:
        await http.publish(TOPIC, event(i), "bench")

    async def grpc_publish(i: int) -> None:
        await grpc.publish_event(
            settings.pubsub_name,
            TOPIC,
            json.dumps(event(i)),
            data_content_type="application/cloudevents+json",
            publish_metadata={"partitionKey": "bench"},
        )

    async def http_secret(i: int) -> None:
        await http.read_secret(settings.auth_secret_name)

    async def grpc_secret(i: int) -> None:
        await grpc.get_secret(settings.secret_store, settings.auth_secret_name)

    due = datetime.now(UTC) + timedelta(days=1)

    async def http_job(i: int) -> None:
        name = f"bench-http-{i}-{uuid.uuid4().hex[:6]}"
        await http.schedule_job(name, due, {"i": i})
        await http.delete_job(name)

    async def grpc_job(i: int) -> None:
        name = f"bench-grpc-{i}-{uuid.uuid4().hex[:6]}"
        job = Job(
            name=name,
            due_time=due.isoformat(),
            failure_policy=ConstantFailurePolicy(max_retries=3, interval_seconds=5),
        )
        await grpc.schedule_job(job, overwrite=True)
        await grpc.delete_job(name)

    pairs = {
        "publish": (http_publish, grpc_publish),
        "secret read": (http_secret, grpc_secret),
        "job schedule + delete": (http_job, grpc_job),
    }
    for h, g in pairs.values():  # warm both: connections, broker metadata, first job
        await timed(20, h)
        await timed(20, g)
    results: dict[str, dict[str, list[float]]] = {k: {"http": [], "grpc": []} for k in pairs}
    rounds = 5
    for _ in range(rounds):
        for name, (h, g) in pairs.items():
            results[name]["http"] += await timed(n // rounds, h)
            results[name]["grpc"] += await timed(n // rounds, g)
    for name, by in results.items():
        print(summary(f"{name:22s} HTTP (infra/sidecar.py)", by["http"]))
        print(summary(f"{name:22s} gRPC (Dapr SDK)        ", by["grpc"]))
    for label, op in (("HTTP", http_publish), ("gRPC", grpc_publish)):
        per_s = await rate(n * 2, op)
        print(f"publish throughput {label}, {CONCURRENCY} concurrent: {per_s:.0f} events/s")
    print(
        f"client construction: HTTP {http_ctor:.1f} ms (incl. readiness poll), "
        f"gRPC {grpc_ctor:.1f} ms (incl. the SDK's blocking health wait)"
    )
    await http.aclose()
    await grpc.close()
    print(
        f"import in a fresh interpreter: httpx {import_ms('httpx'):.0f} ms, "
        f"dapr.aio.clients {import_ms('dapr.aio.clients'):.0f} ms, "
        f"infra.sidecar {import_ms('infra.sidecar'):.0f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
