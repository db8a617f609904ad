"""Each conversation's tool calls, kept in a Dapr state store (PostgreSQL) through the
sidecar's state API, so a later turn ("skip the next one") can find the series an earlier
turn created. Keys are the verified user id plus the conversation id, so a conversation id
guessed or reused by another user names a different record."""

import asyncio
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

log = logging.getLogger(__name__)
MAX_CALLS_KEPT = 50
_SAVE_ATTEMPTS = 5


@dataclass
class ToolCall:
    tool: str
    arguments: dict[str, Any]
    ok: bool
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    series_id: str | None = None
    task_id: str | None = None
    title: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ToolCall":
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


class ConversationStore(Protocol):
    async def calls(self, user_id: str, conversation_id: str) -> list[ToolCall]: ...

    async def record(self, user_id: str, conversation_id: str, call: ToolCall) -> None: ...


def state_key(user_id: str, conversation_id: str) -> str:
    """Hashed, so neither id needs escaping and neither appears in the table as such."""
    digest = hashlib.sha256(json.dumps([user_id, conversation_id]).encode()).hexdigest()
    return f"conversation-{digest}"


class StoreError(RuntimeError):
    pass


class DaprConversationStore:
    """The sidecar's state API: GET for reading, POST with the ETag read for appending, so
    two tool calls of one conversation at once both land (the loser reads again)."""

    def __init__(self, http: httpx.AsyncClient, store: str, ttl_seconds: int) -> None:
        self.http = http
        self.store = store
        self.ttl_seconds = ttl_seconds

    async def _read(self, key: str) -> tuple[list[dict[str, Any]], str | None]:
        r = await self.http.get(f"/v1.0/state/{self.store}/{key}")
        if r.status_code == 204 or not r.content:
            return [], None
        if r.status_code != 200:
            raise StoreError(f"reading conversation state failed: HTTP {r.status_code}")
        data = r.json()
        calls = data.get("calls", []) if isinstance(data, dict) else []
        return calls, r.headers.get("etag")

    async def calls(self, user_id: str, conversation_id: str) -> list[ToolCall]:
        raw, _ = await self._read(state_key(user_id, conversation_id))
        return [ToolCall.from_dict(c) for c in raw if isinstance(c, dict)]

    async def record(self, user_id: str, conversation_id: str, call: ToolCall) -> None:
        key = state_key(user_id, conversation_id)
        for attempt in range(_SAVE_ATTEMPTS):
            raw, etag = await self._read(key)
            raw = [*raw, call.__dict__][-MAX_CALLS_KEPT:]
            item: dict[str, Any] = {
                "key": key,
                "value": {"user_id": user_id, "calls": raw},
                "metadata": {"ttlInSeconds": str(self.ttl_seconds)},
            }
            if etag is None:
                item["options"] = {"concurrency": "first-write"}
            else:
                item["etag"] = etag
                item["options"] = {"concurrency": "first-write"}
            r = await self.http.post(f"/v1.0/state/{self.store}", json=[item])
            if r.status_code == 204:
                return
            if r.status_code == 409 or "etag" in r.text.lower():
                await asyncio.sleep(0.01 * (attempt + 1))
                continue
            raise StoreError(f"saving conversation state failed: HTTP {r.status_code}")
        raise StoreError("saving conversation state kept conflicting")


class MemoryConversationStore:
    """For unit tests of the tools' wording only."""

    def __init__(self) -> None:
        self.data: dict[str, list[ToolCall]] = {}

    async def calls(self, user_id: str, conversation_id: str) -> list[ToolCall]:
        return list(self.data.get(state_key(user_id, conversation_id), []))

    async def record(self, user_id: str, conversation_id: str, call: ToolCall) -> None:
        self.data.setdefault(state_key(user_id, conversation_id), []).append(call)
