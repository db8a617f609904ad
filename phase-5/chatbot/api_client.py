"""The todo API as the tools see it: every call carries the user's bearer token, and every
refusal becomes a `ToolError` whose text a language model can relay to the user."""

from typing import Any

import httpx
from mcp.server.mcpserver.exceptions import ToolError

API_V1 = "/api/v1"


class ApiRefused(ToolError):
    """The API answered with an error; `status` and `code` say which."""

    def __init__(self, message: str, status: int, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _explain(status: int, body: Any, what: str) -> ApiRefused:
    error = body.get("error", {}) if isinstance(body, dict) else {}
    code = str(error.get("code", "error"))
    message = str(error.get("message", "")).strip()
    details = error.get("details") or {}
    if status == 401:
        text = "The user's sign-in has expired or is not valid: ask them to sign in again."
    elif status == 404:
        text = f"No such {what}: it may have been deleted, or the id is wrong."
    elif status == 422:
        field = details.get("field")
        where = f" ({field})" if field and field not in message else ""
        text = f"The request was refused{where}: {message or 'invalid input'}"
    elif status == 409:
        text = message or "That conflicts with the current state; nothing was changed."
    elif status == 429 or status >= 500:
        text = "The task service is unavailable right now; nothing was changed. Try again shortly."
    else:
        text = message or f"The task service refused the request (HTTP {status})."
    return ApiRefused(text, status, code)


class TodoApi:
    """A thin async client of /api/v1; one per process, shared by every tool call."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    async def aclose(self) -> None:
        await self.http.aclose()

    async def call(
        self,
        method: str,
        path: str,
        token: str,
        *,
        what: str = "item",
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"}
        try:
            r = await self.http.request(
                method, f"{API_V1}{path}", headers=headers, json=json, params=params
            )
        except httpx.TransportError as exc:
            raise ApiRefused(
                "The task service cannot be reached right now; nothing was changed.",
                503,
                "unreachable",
            ) from exc
        if r.status_code >= 400:
            try:
                body = r.json()
            except ValueError:
                body = None
            raise _explain(r.status_code, body, what)
        if r.status_code == 204 or not r.content:
            return None
        return r.json()
