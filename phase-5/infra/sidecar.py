"""This app's Dapr sidecar: secrets, publish and jobs through the Dapr Python SDK's gRPC
client (`dapr.aio.clients.DaprClient`); readiness and liveness over the sidecar's HTTP
health endpoints, which the SDK only offers as a blocking check.

Why the SDK and not our own HTTP calls: measured on one daprd (bench/bench_sidecar.py,
SUMMARIES/decisions.md), it is faster on every call we make and publishes ten times as
many events a second under concurrency. One `Sidecar` per process, built in the app's
lifespan (never at import time)."""

import asyncio
import json
import logging
from datetime import datetime
from typing import Any

import httpx
from dapr.aio.clients import ConstantFailurePolicy, DaprClient, Job
from dapr.clients.exceptions import DaprGrpcError
from grpc import StatusCode

from infra.settings import Settings

log = logging.getLogger(__name__)

# The SDK sets no deadline on its calls; a hung sidecar must not hang a relay or a consumer.
CALL_TIMEOUT_S = 10.0
# A job whose callback fails (the app restarting, the database failing over) is retried
# 5 s apart for 10 minutes; with 3 tries, an outage of 15 s at the due time lost the
# reminder for good (the scheduler deletes a job whose retries are used up).
JOB_RETRY_INTERVAL_S = 5
JOB_RETRIES = 120


class SidecarError(RuntimeError):
    """The sidecar refused or could not be reached; callers retry or leave work pending."""


class Sidecar:
    def __init__(self, settings: Settings, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.http = http or httpx.AsyncClient(
            base_url=settings.dapr_http_url, timeout=httpx.Timeout(10.0, connect=2.0)
        )
        self._client: DaprClient | None = None

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
        await self.http.aclose()

    async def wait_ready(self) -> None:
        """Polls the outbound health endpoint (components loaded, APIs usable, app not
        needed), then connects the SDK client, whose own blocking check then passes at once."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.sidecar_wait_seconds
        while True:
            try:
                r = await self.http.get("/v1.0/healthz/outbound")
                if r.status_code == 204:
                    break
            except httpx.TransportError:
                pass
            if loop.time() > deadline:
                raise SidecarError(
                    f"Dapr sidecar on port {self.settings.dapr_http_port} not ready after "
                    f"{self.settings.sidecar_wait_seconds:.0f}s"
                )
            await asyncio.sleep(0.2)
        self._client = DaprClient(f"{self.settings.dapr_host}:{self.settings.dapr_grpc_port}")

    async def healthy(self) -> bool:
        try:
            return (await self.http.get("/v1.0/healthz")).status_code == 204
        except httpx.TransportError:
            return False

    @property
    def _dapr(self) -> DaprClient:
        if self._client is None:
            raise SidecarError("the sidecar client is used before wait_ready()")
        return self._client

    async def read_secret(self, key: str, *, allow_empty: bool = False) -> str:
        store = self.settings.secret_store
        try:
            async with asyncio.timeout(CALL_TIMEOUT_S):
                found = (await self._dapr.get_secret(store, key)).secret
        except (DaprGrpcError, TimeoutError) as exc:
            # Names the store, the key and the status only; never a secret value.
            raise SidecarError(f"secret {key!r} unavailable from {store!r}: {_code(exc)}") from None
        value = found.get(key)
        if not isinstance(value, str) or (not value and not allow_empty):
            raise SidecarError(f"secret {key!r} is missing or empty in {store!r}")
        return value

    async def publish(self, topic: str, event: dict[str, Any], partition_key: str) -> None:
        """Publishes a complete CloudEvent; Dapr keeps our `id`, so retries are recognisable."""
        try:
            async with asyncio.timeout(CALL_TIMEOUT_S):
                await self._dapr.publish_event(
                    self.settings.pubsub_name,
                    topic,
                    json.dumps(event, default=str),
                    publish_metadata={"partitionKey": partition_key},
                    data_content_type="application/cloudevents+json",
                )
        except (DaprGrpcError, TimeoutError) as exc:
            raise SidecarError(f"publish to {topic} failed: {_describe(exc)}") from exc

    async def schedule_job(self, name: str, due: datetime, *, retries: int = JOB_RETRIES) -> None:
        """One-shot job at an absolute instant; overwrite makes re-scheduling idempotent.
        It carries no data: the callback finds everything from the job's name."""
        job = Job(
            name=name,
            due_time=due.isoformat(),
            failure_policy=ConstantFailurePolicy(retries, JOB_RETRY_INTERVAL_S),
        )
        try:
            async with asyncio.timeout(CALL_TIMEOUT_S):
                await self._dapr.schedule_job(job, overwrite=True)
        except (DaprGrpcError, TimeoutError) as exc:
            raise SidecarError(f"scheduling job {name} failed: {_describe(exc)}") from exc

    async def delete_job(self, name: str) -> None:
        """Deleting a job that is gone already is success: cancellation is idempotent."""
        try:
            async with asyncio.timeout(CALL_TIMEOUT_S):
                await self._dapr.delete_job(name)
        except DaprGrpcError as exc:
            if exc.code() == StatusCode.NOT_FOUND or "not found" in _describe(exc).lower():
                return
            raise SidecarError(f"deleting job {name} failed: {_describe(exc)}") from exc
        except TimeoutError as exc:
            raise SidecarError(f"deleting job {name} failed: {_describe(exc)}") from exc


def _code(exc: Exception) -> str:
    if isinstance(exc, DaprGrpcError):
        code = exc.code()
        return str(code.name) if code is not None else "error"
    return f"no answer in {CALL_TIMEOUT_S:.0f}s"


def _describe(exc: Exception) -> str:
    if isinstance(exc, DaprGrpcError):
        return f"{_code(exc)} {str(exc.details() or '')[:200]}"
    return _code(exc)
