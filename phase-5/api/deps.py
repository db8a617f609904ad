"""Dependencies shared by routes: the unit of work and the authenticated user."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth import SigningKey
from api.errors import Invalid
from api.event_hub import EventHub
from infra import logging as jlog
from infra.settings import Settings
from infra.sidecar import Sidecar


@dataclass
class Runtime:
    """Everything the lifespan built; routes reach it through dependencies only."""

    settings: Settings
    sidecar: Sidecar
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    signing_key: SigningKey
    hub: EventHub


# Every dependency is `async def`: FastAPI runs a plain `def` one in its thread pool, a
# thread hop per request for what takes microseconds.
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request: every write of a request commits together."""
    async with runtime.sessions() as session, session.begin():
        yield session


# auto_error=False: a missing or non-bearer header reaches user_from_token, which answers
# with our 401 body; the scheme still documents the bearer requirement in OpenAPI.
bearer = HTTPBearer(auto_error=False, bearerFormat="JWT", description="HS256 JWT, `sub` = user")


async def current_user(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    header = None if credentials is None else f"Bearer {credentials.credentials}"
    user_id = await runtime.signing_key.user(header)
    jlog.bind(user_id=user_id)
    return user_id


# scope="function": the transaction commits when the endpoint returns, before the response
# is sent. With the default (request) scope FastAPI runs the exit after sending, so a client
# could read its own write as not yet there, or get a 2xx for a commit that then failed.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
CurrentUser = Annotated[str, Depends(current_user)]


_known_query: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def reject_unknown_query(request: Request) -> None:
    """A misspelt parameter (`?stauts=done`) is an error, not silently a different query."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = _known_query.get(id(route))
    if known is None:
        known = frozenset(_query_names(route.dependant))
        _known_query[id(route)] = known
    for name in request.query_params:
        if name not in known:
            allowed = ", ".join(sorted(known)) or "none"
            raise Invalid(name, f'Unknown query parameter "{name[:50]}" (allowed: {allowed})')
