"""Talks to this app's Dapr sidecar over its HTTP API: readiness, secrets, publish, jobs.

One `Sidecar` per process, built in the app's lifespan (never at import time)."""

import asyncio
import json
import logging
from datetime import datetime
from typing import Any

import httpx

from infra.settings import Settings

log = logging.getLogger(__name__)


class SidecarError(RuntimeError):
    """The sidecar refused or could not be reached; callers retry or leave work pending."""


class Sidecar:
    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.http = client or httpx.AsyncClient(
            base_url=settings.dapr_http_url, timeout=httpx.Timeout(10.0, connect=2.0)
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def wait_ready(self) -> None:
        """Polls the outbound health endpoint: components loaded, APIs usable, app not needed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.sidecar_wait_seconds
        while True:
            try:
                r = await self.http.get("/v1.0/healthz/outbound")
                if r.status_code == 204:
                    return
            except httpx.TransportError:
                pass
            if loop.time() > deadline:
                raise SidecarError(
                    f"Dapr sidecar on port {self.settings.dapr_http_port} not ready after "
                    f"{self.settings.sidecar_wait_seconds:.0f}s"
                )
            await asyncio.sleep(0.2)

    async def healthy(self) -> bool:
        try:
            return (await self.http.get("/v1.0/healthz")).status_code == 204
        except httpx.TransportError:
            return False

    async def read_secret(self, key: str, *, allow_empty: bool = False) -> str:
        store = self.settings.secret_store
        r = await self.http.get(f"/v1.0/secrets/{store}/{key}")
        if r.status_code != 200:
            # The body names the store and key only; it never carries a secret value.
            raise SidecarError(f"secret {key!r} unavailable from {store!r}: HTTP {r.status_code}")
        value = r.json().get(key)
        if not isinstance(value, str) or (not value and not allow_empty):
            raise SidecarError(f"secret {key!r} is missing or empty in {store!r}")
        return value

    async def publish(self, topic: str, event: dict[str, Any], partition_key: str) -> None:
        """Publishes a complete CloudEvent; Dapr keeps our `id`, so retries are recognisable."""
        try:
            r = await self.http.post(
                f"/v1.0/publish/{self.settings.pubsub_name}/{topic}",
                params={"metadata.partitionKey": partition_key},
                content=json.dumps(event, default=str),
                headers={"content-type": "application/cloudevents+json"},
            )
        except httpx.TransportError as exc:
            raise SidecarError(f"publish to {topic} failed: {exc}") from exc
        if r.status_code != 204:
            raise SidecarError(f"publish to {topic} failed: HTTP {r.status_code} {r.text[:200]}")

    async def schedule_job(
        self, name: str, due: datetime, data: dict[str, Any], *, retries: int = 3
    ) -> None:
        """One-shot job at an absolute instant; overwrite makes re-scheduling idempotent."""
        body = {
            "dueTime": due.isoformat(),
            "data": data,
            "overwrite": True,
            "failurePolicy": {"constant": {"interval": "5s", "maxRetries": retries}},
        }
        try:
            r = await self.http.post(f"/v1.0/jobs/{name}", json=body)
        except httpx.TransportError as exc:
            raise SidecarError(f"scheduling job {name} failed: {exc}") from exc
        if r.status_code not in (200, 204):
            raise SidecarError(f"scheduling job {name} failed: HTTP {r.status_code} {r.text[:200]}")

    async def get_job(self, name: str) -> dict[str, Any] | None:
        r = await self.http.get(f"/v1.0/jobs/{name}")
        if r.status_code == 200 and r.content:
            data: dict[str, Any] = r.json()
            return data
        return None

    async def delete_job(self, name: str) -> None:
        """Deleting a job that is gone already is success: cancellation is idempotent."""
        try:
            r = await self.http.delete(f"/v1.0/jobs/{name}")
        except httpx.TransportError as exc:
            raise SidecarError(f"deleting job {name} failed: {exc}") from exc
        if r.status_code not in (200, 204, 404) and "not found" not in r.text.lower():
            raise SidecarError(f"deleting job {name} failed: HTTP {r.status_code} {r.text[:200]}")
