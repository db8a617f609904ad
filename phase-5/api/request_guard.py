"""What a request body may be before any parsing: JSON, and at most `max_body_bytes`.

A declared Content-Length over the limit is answered 413 at once, without reading the body;
a streamed (chunked) body is counted as it arrives and answered 413 as soon as it passes the
limit (the application then sees a disconnect and its own answer is dropped), so no request
makes the server buffer or parse more than the limit. A non-empty body that is not JSON is
415, not a confusing 422 about missing fields. Refusals carry our error shape.

(FastAPI's own `max_body_size` answers in its own shape, outside the CORS middleware.)"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import json_error

_WITH_BODY = {"POST", "PUT", "PATCH", "DELETE"}


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json_error(status, code, message)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                # The unread rest of the body is still on the wire: no reuse.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope["headers"]}
        too_large = f"The body is larger than {self.limit} bytes."
        raw_length = headers.get(b"content-length")
        length = int(raw_length) if raw_length and raw_length.isdigit() else 0
        if length > self.limit:
            await _refuse(send, 413, "payload_too_large", too_large)
            return
        chunked = b"chunked" in headers.get(b"transfer-encoding", b"").lower()
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        has_body = scope["method"] in _WITH_BODY and (length > 0 or chunked)
        if has_body and not _is_json(content_type):
            await _refuse(
                send,
                415,
                "unsupported_media_type",
                "Send the body as JSON with Content-Type: application/json.",
            )
            return
        received, started, refused = 0, False, False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    refused = True
                    if not started:
                        await _refuse(send, 413, "payload_too_large", too_large)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # our 413 is the answer
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, guarded_send)
