"""The sidecar's HTTP API (httpx: the requests our hand-written client made until
2026-11) against the Dapr Python SDK's gRPC client as infra/sidecar.py now uses it, on the
same daprd: publish, secret read, job schedule + delete, and what each costs to import.

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

import httpx

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
    http = httpx.AsyncClient(
        base_url=settings.dapr_http_url, timeout=httpx.Timeout(10.0, connect=2.0)
    )
    sidecar = Sidecar(settings)
    await sidecar.wait_ready()

    async def http_publish(i: int) -> None:
        r = await http.post(
            f"/v1.0/publish/{settings.pubsub_name}/{TOPIC}",
            params={"metadata.partitionKey": "bench"},
            content=json.dumps(event(i)),
            headers={"content-type": "application/cloudevents+json"},
        )
        assert r.status_code == 204, r.text

    async def grpc_publish(i: int) -> None:
        await sidecar.publish(TOPIC, event(i), "bench")

    async def http_secret(i: int) -> None:
        r = await http.get(f"/v1.0/secrets/{settings.secret_store}/{settings.auth_secret_name}")
        assert r.status_code == 200

    async def grpc_secret(i: int) -> None:
        await sidecar.read_secret(settings.auth_secret_name)

    due = datetime.now(UTC) + timedelta(days=1)

    async def http_job(i: int) -> None:
        name = f"bench-http-{i}-{uuid.uuid4().hex[:6]}"
        body = {
            "dueTime": due.isoformat(),
            "overwrite": True,
            "failurePolicy": {"constant": {"interval": "5s", "maxRetries": 3}},
        }
        assert (await http.post(f"/v1.0/jobs/{name}", json=body)).status_code in (200, 204)
        assert (await http.delete(f"/v1.0/jobs/{name}")).status_code in (200, 204)

    async def grpc_job(i: int) -> None:
        name = f"bench-grpc-{i}-{uuid.uuid4().hex[:6]}"
        await sidecar.schedule_job(name, due)
        await sidecar.delete_job(name)

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
        print(summary(f"{name:22s} HTTP (httpx)                ", by["http"]))
        print(summary(f"{name:22s} gRPC (SDK, infra/sidecar.py)", by["grpc"]))
    for label, op in (("HTTP", http_publish), ("gRPC", grpc_publish)):
        per_s = await rate(n * 2, op)
        print(f"publish throughput {label}, {CONCURRENCY} concurrent: {per_s:.0f} events/s")
    await http.aclose()
    await sidecar.aclose()
    print(
        f"import in a fresh interpreter: httpx {import_ms('httpx'):.0f} ms, "
        f"dapr.aio.clients {import_ms('dapr.aio.clients'):.0f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
