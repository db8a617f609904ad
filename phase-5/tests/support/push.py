"""A real Web Push service for the tests, on http://127.0.0.1:<free port>.

It does what a browser vendor's push service and the browser do together, strictly:
- checks the VAPID header `Authorization: vapid t=<JWT>,k=<key>` (RFC 8292): `k` must be the
  public key todo-api publishes, the JWT must be ES256-signed by it, `aud` must be this
  origin, `exp` in the future and at most 24 h away, `sub` a mailto:/https: contact;
- decrypts the aes128gcm body (RFC 8188/8291) with the subscription's own keys, which the
  test generated like a browser does (`new_subscription`), using http_ece;
- answers 201, or a status a test forced for one endpoint (410 Gone, 500, ...); an unknown
  endpoint is 404, like an expired subscription.
"""

import base64
import json
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

_AUTH = re.compile(r"^vapid t=(?P<t>[A-Za-z0-9_.-]+),\s*k=(?P<k>[A-Za-z0-9_-]+)$")


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@dataclass(frozen=True)
class BrowserSubscription:
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)
    auth_secret: bytes = field(repr=False)

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def as_json(self) -> dict[str, Any]:
        """What `PushSubscription.toJSON()` gives a page."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": self.auth},
        }


@dataclass(frozen=True)
class ReceivedPush:
    endpoint: str
    payload: dict[str, Any]
    headers: dict[str, str]
    claims: dict[str, Any]
    received_at: float


@dataclass(frozen=True)
class Request:
    endpoint: str
    status: int
    at: float
    reason: str = ""


class PushSink:
    def __init__(self, vapid_public_key: str, host: str = "127.0.0.1") -> None:
        self.vapid_public_key = vapid_public_key
        point = b64url_decode(vapid_public_key)
        self._verify_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        self.host = host
        self._lock = threading.Lock()
        self._subs: dict[str, BrowserSubscription] = {}
        self._forced: dict[str, int] = {}
        self._received: list[ReceivedPush] = []
        self._requests: list[Request] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> None:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                status, reason = sink._handle(self)
                self.send_response(status)
                if status == 201:
                    self.send_header("Location", f"{sink.origin}/messages/{uuid.uuid4()}")
                self.send_header("Content-Length", str(len(reason.encode())))
                self.end_headers()
                self.wfile.write(reason.encode())

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- the test's side ---------------------------------------------------------------
    def new_subscription(self) -> BrowserSubscription:
        sub = BrowserSubscription(
            endpoint=f"{self.origin}/push/{uuid.uuid4().hex}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=os.urandom(16),
        )
        with self._lock:
            self._subs[sub.endpoint] = sub
        return sub

    def respond_with(self, endpoint: str, status: int) -> None:
        with self._lock:
            self._forced[endpoint] = status

    def received(self, endpoint: str | None = None) -> list[ReceivedPush]:
        with self._lock:
            return [p for p in self._received if endpoint is None or p.endpoint == endpoint]

    def requests(self, endpoint: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self._requests if endpoint is None or r.endpoint == endpoint]

    def rejected(self) -> list[Request]:
        """Requests refused because VAPID or encryption was wrong: must stay empty."""
        with self._lock:
            return [r for r in self._requests if r.status in (400, 401, 403)]

    # -- the push service's side -----------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler) -> tuple[int, str]:
        endpoint = f"{self.origin}{req.path}"
        body = req.rfile.read(int(req.headers.get("Content-Length", "0")))
        now = time.time()
        with self._lock:
            sub = self._subs.get(endpoint)
            forced = self._forced.get(endpoint)
        status, reason, push = 201, "", None
        if sub is None:
            status, reason = 404, "no such subscription"
        elif forced is not None:
            status, reason = forced, "forced by the test"
        else:
            try:
                claims = self._check_vapid(req.headers.get("Authorization", ""))
                push = self._decrypt(sub, req, body, claims, now)
            except PermissionError as exc:
                status, reason = 401, str(exc)
            except ValueError as exc:
                status, reason = 400, str(exc)
        with self._lock:
            self._requests.append(Request(endpoint, status, now, reason))
            if push is not None:
                self._received.append(push)
        return status, reason

    def _check_vapid(self, header: str) -> dict[str, Any]:
        match = _AUTH.match(header.strip())
        if not match:
            raise PermissionError(f"Authorization is not 'vapid t=...,k=...': {header[:40]!r}")
        if match["k"] != self.vapid_public_key:
            raise PermissionError("k is not the application server key todo-api publishes")
        try:
            claims: dict[str, Any] = jwt.decode(
                match["t"],
                key=self._verify_key,
                algorithms=["ES256"],
                audience=self.origin,
                options={"require": ["aud", "exp", "sub"]},
            )
        except jwt.InvalidTokenError as exc:
            raise PermissionError(f"VAPID JWT rejected: {exc}") from exc
        if claims["exp"] > time.time() + 24 * 3600:
            raise PermissionError("VAPID exp more than 24 hours ahead")
        if not str(claims["sub"]).startswith(("mailto:", "https:")):
            raise PermissionError("VAPID sub must be a mailto: or https: contact")
        return claims

    def _decrypt(
        self,
        sub: BrowserSubscription,
        req: BaseHTTPRequestHandler,
        body: bytes,
        claims: dict[str, Any],
        now: float,
    ) -> ReceivedPush:
        if req.headers.get("Content-Encoding") != "aes128gcm":
            raise ValueError("Content-Encoding must be aes128gcm")
        if not (req.headers.get("TTL") or "").isdigit():
            raise ValueError("TTL header missing")
        try:
            plain = http_ece.decrypt(
                body,
                private_key=sub.private_key,
                auth_secret=sub.auth_secret,
                version="aes128gcm",
            )
            payload = json.loads(plain)
        except Exception as exc:
            raise ValueError(f"cannot decrypt the payload: {exc}") from exc
        return ReceivedPush(sub.endpoint, payload, dict(req.headers.items()), claims, now)
