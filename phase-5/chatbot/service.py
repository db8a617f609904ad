"""The chatbot's MCP server (app-id `chatbot-mcp`): `uvicorn chatbot.service:app`.

Streamable HTTP at /mcp. Callers send the user's bearer token (the same HS256 JWT the API
takes); the SDK's auth middleware verifies it here first, so a conversation's history is
keyed by a verified user. The tools then forward the same token to the public API, which
checks it again and scopes every row to that user: this server holds no database access.
Its Dapr sidecar serves the secret (JWT key, read at use) and the conversation state store."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import AnyHttpUrl
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from api.auth import SigningKey
from api.errors import Unauthorized
from chatbot.api_client import TodoApi
from chatbot.conversations import ConversationStore, DaprConversationStore
from chatbot.tools import Caller, ToolDeps, conversation_of, register
from infra import logging as jlog
from infra.secret_cache import SecretCache
from infra.settings import Settings, get_settings
from infra.sidecar import Sidecar, SidecarError

INSTRUCTIONS = (
    "Tools to manage the user's recurring tasks. Tools that take series_id use the series "
    "this conversation touched last when it is left out. delete_series asks first: relay "
    "its question and call it again with confirm=true only after the user agrees."
)
CLIENT_ID = "chatbot"


class JwtVerifier:
    """The MCP SDK's TokenVerifier for our JWTs; the key (read at use, so a rotation needs
    no restart) arrives in the lifespan."""

    def __init__(self) -> None:
        self.key: SigningKey | None = None

    async def verify_token(self, token: str) -> AccessToken | None:
        if self.key is None:
            return None
        try:
            user_id = await self.key.user(f"Bearer {token}")
        except (Unauthorized, SidecarError):
            return None
        return AccessToken(token=token, client_id=CLIENT_ID, scopes=[], subject=user_id)


def caller_of(ctx: Context) -> Caller:
    request = ctx.request_context.request
    user = getattr(request, "user", None) if request is not None else None
    if not isinstance(user, AuthenticatedUser) or user.access_token.subject is None:
        raise ToolError("Not signed in: the chatbot must send the user's bearer token.")
    token = user.access_token
    session_id = ctx.headers.get("mcp-session-id") if ctx.headers is not None else None
    assert token.subject is not None
    jlog.bind(user_id=token.subject)
    return Caller(token.subject, token.token, conversation_of(ctx.headers, session_id))


def build_server(
    settings: Settings, verifier: JwtVerifier, api: TodoApi, store: ConversationStore
) -> MCPServer[Any]:
    server: MCPServer[Any] = MCPServer(
        "todo-recurring-tasks",
        instructions=INSTRUCTIONS,
        version="1.0.0",
        token_verifier=verifier,
        auth=AuthSettings(
            issuer_url=AnyHttpUrl(settings.public_base_url), resource_server_url=None
        ),
    )
    register(server, ToolDeps(api=api, store=store, caller=caller_of))
    return server


def build_app(
    settings: Settings,
    verifier: JwtVerifier,
    api: TodoApi,
    store: ConversationStore,
    startup: Any = None,
) -> Starlette:
    """`startup`: an async context manager run around the app (the sidecar wiring); the
    unit tests pass none and fill `verifier.key` themselves."""
    server = build_server(settings, verifier, api, store)
    mcp_app = server.streamable_http_app(
        transport_security=TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=settings.mcp_allowed_hosts,
            allowed_origins=[f"http://{h}" for h in settings.mcp_allowed_hosts],
        ),
    )

    async def healthz(_: Request) -> Response:
        return JSONResponse(
            {"status": "ok"} if verifier.key else {"status": "starting"},
            status_code=200 if verifier.key else 503,
        )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if startup is None:
            async with server.session_manager.run():
                yield
            return
        async with startup, server.session_manager.run():
            yield

    return Starlette(
        routes=[Route("/healthz", healthz), Mount("/", app=mcp_app)],
        lifespan=lifespan,
    )


def create_app() -> Starlette:
    settings = get_settings()
    verifier = JwtVerifier()
    sidecar = Sidecar(settings)
    api = TodoApi(httpx.AsyncClient(base_url=settings.todo_api_url, timeout=15.0))
    store = DaprConversationStore(
        sidecar.http, settings.conversation_store, settings.conversation_ttl_seconds
    )

    @asynccontextmanager
    async def wiring() -> AsyncIterator[None]:
        jlog.configure(settings.log_level, settings.app_id)
        try:
            await sidecar.wait_ready()
            key = SigningKey(
                SecretCache(sidecar, settings.secret_max_age_seconds), settings.auth_secret_name
            )
            await key.secrets.get(settings.auth_secret_name)  # a missing key stops the start
            verifier.key = key
            yield
        finally:
            await api.aclose()
            await sidecar.aclose()

    return build_app(settings, verifier, api, store, startup=wiring())


app = create_app()
