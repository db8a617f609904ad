"""`Idempotency-Key` on POSTs: a retried request with the same key gets the first response
and creates nothing new. Concurrent retries are serialized by a transaction-scoped advisory
lock on (user, key); the stored response commits with the effect it describes."""

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Header
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import Invalid

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200, description="retry-safe POST key"),
]


def _fingerprint(path: str, body: Any) -> str:
    raw = json.dumps({"path": path, "body": jsonable_encoder(body)}, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


async def once(
    session: AsyncSession,
    user_id: str,
    key: str | None,
    path: str,
    body: BaseModel | dict[str, Any] | None,
    status: int,
    handler: Callable[[], Awaitable[BaseModel]],
) -> JSONResponse:
    """Runs `handler` once per (user, key); later calls replay its stored response."""
    if key is None:
        return JSONResponse(jsonable_encoder(await handler()), status)
    if not key.strip() or not key.isprintable():
        raise Invalid("Idempotency-Key", "Idempotency-Key must be printable text, not blank")
    fingerprint = _fingerprint(path, body)
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
        {"k": f"{len(user_id)}:{user_id}:{key}"},
    )
    row = (
        await session.execute(
            text(
                "SELECT request_hash, status_code, response FROM idempotency_keys "
                "WHERE user_id = :u AND key = :k"
            ),
            {"u": user_id, "k": key},
        )
    ).first()
    if row is not None:
        if row.request_hash != fingerprint:
            raise Invalid(
                "Idempotency-Key", "This Idempotency-Key was already used for a different request"
            )
        return JSONResponse(row.response, row.status_code, headers={"Idempotent-Replayed": "true"})
    payload = jsonable_encoder(await handler())
    await session.execute(
        text(
            "INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response) "
            "VALUES (:u, :k, :h, :s, CAST(:r AS json))"
        ),
        {"u": user_id, "k": key, "h": fingerprint, "s": status, "r": json.dumps(payload)},
    )
    return JSONResponse(payload, status)
