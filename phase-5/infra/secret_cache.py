"""Secrets read at use, so a new version in the store takes effect without a restart.

Dapr's secret stores read their backend on every call (Kubernetes Secrets, Azure Key
Vault), so rotation is a matter of asking again. Asking on every use would put the store on
every email and every request (Key Vault throttles and bills per read), so a value is kept
for `max_age` seconds and then read again; a caller whose credential was just refused
(a JWT that does not verify, an SMTP login refused) asks for `refresh`, which reads at once
unless it read within `min_refresh` seconds (a stream of bad tokens cannot flood the store).

If the store cannot be reached when a kept value is due for a re-read, the kept value is
used and the failure logged: an outage of the store must not stop the app; a first read
that fails raises, as at start-up before."""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from infra.sidecar import SidecarError

log = logging.getLogger(__name__)
MIN_REFRESH_S = 5.0


class SecretSource(Protocol):
    async def read_secret(self, key: str, *, allow_empty: bool = False) -> str: ...


@dataclass
class _Kept:
    value: str
    read_at: float


class SecretCache:
    def __init__(
        self,
        source: SecretSource,
        max_age: float,
        *,
        min_refresh: float = MIN_REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.max_age = max_age
        self.min_refresh = min(min_refresh, max_age)
        self.clock = clock
        self._kept: dict[str, _Kept] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, name: str, *, allow_empty: bool = False) -> str:
        kept = self._kept.get(name)
        if kept is not None and self.clock() - kept.read_at < self.max_age:
            return kept.value
        return await self._read(name, allow_empty, self.max_age)

    async def refresh(self, name: str, *, allow_empty: bool = False) -> bool:
        """Reads `name` again now (a credential was refused); True if its value changed."""
        before = self._kept.get(name)
        value = await self._read(name, allow_empty, self.min_refresh)
        return before is None or before.value != value

    async def _read(self, name: str, allow_empty: bool, fresh_for: float) -> str:
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            # Another caller may have read it while this one waited for the lock.
            kept = self._kept.get(name)
            if kept is not None and self.clock() - kept.read_at < fresh_for:
                return kept.value
            try:
                value = await self.source.read_secret(name, allow_empty=allow_empty)
            except SidecarError as exc:
                if kept is None:
                    raise
                # The message names the secret and the store, never a value.
                log.warning(
                    "secret re-read failed; using the value read before",
                    extra={"fields": {"secret": name, "error": str(exc)[:200]}},
                )
                kept.read_at = self.clock() - self.max_age + self.min_refresh
                return kept.value
            if kept is not None and kept.value != value:
                log.info("secret has a new version", extra={"fields": {"secret": name}})
            self._kept[name] = _Kept(value, self.clock())
            return value
