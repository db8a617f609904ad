"""Dependencies shared by routes: the unit of work and the authenticated user."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth import user_from_token
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
    auth_secret: str


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request: every write of a request commits together."""
    async with runtime.sessions() as session, session.begin():
        yield session


def current_user(runtime: RuntimeDep, authorization: Annotated[str | None, Header()] = None) -> str:
    user_id = user_from_token(authorization, runtime.auth_secret)
    jlog.bind(user_id=user_id)
    return user_id


# scope="function": the transaction commits when the endpoint returns, before the response
# is sent. With the default (request) scope FastAPI runs the exit after sending, so a client
# could read its own write as not yet there, or get a 2xx for a commit that then failed.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
CurrentUser = Annotated[str, Depends(current_user)]
