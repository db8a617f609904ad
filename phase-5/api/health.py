"""Liveness and readiness (no auth: probed by the platform). Metrics: api/metrics.py."""

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import RuntimeDep
from api.errors import error_body

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(runtime: RuntimeDep) -> dict[str, str] | Response:
    problems = []
    try:
        async with runtime.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        problems.append("database")
    if not await runtime.sidecar.healthy():
        problems.append("dapr sidecar")
    if problems:
        body = error_body("not_ready", f"Not ready: {', '.join(problems)} unreachable.")
        return JSONResponse(body, 503)
    return {"status": "ready"}
