"""Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291).

Encryption uses pywebpush's helper (`WebPusher.encode`, http_ece underneath); the request
itself goes out with httpx so it is async and bounded by our timeout, with no thread pool.
The `Topic` header is derived from the reminder: a push service replaces an undelivered
message with the same topic, so a resend after a crash does not stack up on the device."""

import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from py_vapid import Vapid02
from pywebpush import WebPusher

from contracts.channels import check_endpoint
from contracts.events import ReminderDue
from infra.outbound import ForbiddenDestination, Pinned, pin
from infra.secret_cache import SecretCache
from infra.settings import get_settings
from infra.sidecar import SidecarError
from notifications.content import ReminderContent
from notifications.errors import PermanentDeliveryError, TargetGone, TransientDeliveryError
from notifications.secrets import load_vapid, refresh_vapid

# A VAPID token may live at most 24 hours (RFC 8292 §2); ours live 12.
TOKEN_LIFETIME_S = 12 * 3600


@dataclass(frozen=True)
class PushTarget:
    endpoint: str
    p256dh: str
    auth: str


def payload(reminder: ReminderDue, content: ReminderContent) -> bytes:
    """What the service worker receives: {title, body, task_id, due_at, url}."""
    return json.dumps(
        {
            "title": content.push_title,
            "body": content.push_body,
            "task_id": str(reminder.task_id),
            "due_at": reminder.due_at.isoformat(),
            "url": content.url,
        },
        separators=(",", ":"),
    ).encode()


def topic(reminder: ReminderDue) -> str:
    """At most 32 characters of the URL-safe base64 alphabet (RFC 8030 §5.4)."""
    return reminder.reminder_id.hex


@dataclass(frozen=True)
class _Signer:
    pem: str
    key: Vapid02
    subject: str


class PushSender:
    """Reads the VAPID key at use (`SecretCache`): a rotated key signs the next push
    without a restart; the parsed key is kept until the PEM changes."""

    def __init__(
        self,
        secrets: SecretCache,
        http: httpx.AsyncClient,
        *,
        ttl: int,
        allow_loopback_http: bool,
    ) -> None:
        self.secrets = secrets
        self._signer: _Signer | None = None
        self.http = http
        self.ttl = ttl
        self.allow_loopback_http = allow_loopback_http

    async def _current_signer(self) -> _Signer:
        try:
            vapid = await load_vapid(self.secrets)
        except SidecarError as exc:
            raise TransientDeliveryError(f"VAPID key unavailable: {exc}"[:500]) from exc
        signer = self._signer
        if signer is None or signer.pem != vapid.private_key_pem or signer.subject != vapid.subject:
            key = Vapid02.from_pem(vapid.private_key_pem.encode())
            signer = self._signer = _Signer(vapid.private_key_pem, key, vapid.subject)
        return signer

    @staticmethod
    def _authorization(signer: _Signer, endpoint: str) -> str:
        parts = urlsplit(endpoint)
        claims = {
            "aud": f"{parts.scheme}://{parts.netloc}",
            "sub": signer.subject,
            "exp": int(time.time()) + TOKEN_LIFETIME_S,
        }
        header: str = signer.key.sign(claims)["Authorization"]
        return header

    async def send(self, target: PushTarget, body: bytes, topic: str) -> None:
        try:
            check_endpoint(target.endpoint, allow_loopback_http=self.allow_loopback_http)
            encrypted: bytes = WebPusher(
                {
                    "endpoint": target.endpoint,
                    "keys": {"p256dh": target.p256dh, "auth": target.auth},
                }
            ).encode(body, content_encoding="aes128gcm")["body"]
        except Exception as exc:  # a stored subscription that can no longer be used
            raise PermanentDeliveryError(f"unusable push subscription: {exc}"[:500]) from exc
        # SSRF guard at send time: resolved now, every address public, connection pinned
        # to the checked address (no DNS rebinding between check and connect).
        try:
            target_at = await pin(target.endpoint, get_settings().outbound_test_hosts)
        except ForbiddenDestination as exc:
            raise PermanentDeliveryError(f"refused push endpoint: {exc}"[:500]) from exc
        except (OSError, TimeoutError) as exc:
            raise TransientDeliveryError(f"push endpoint unresolved: {exc}"[:500]) from exc
        signer = await self._current_signer()
        r = await self._post(target_at, encrypted, topic, signer, target.endpoint)
        if r.status_code in (401, 403):
            # Our signature was refused: if the key was just rotated, sign with the new one.
            try:
                changed = await refresh_vapid(self.secrets)
            except SidecarError:
                changed = False
            if changed:
                signer = await self._current_signer()
                r = await self._post(target_at, encrypted, topic, signer, target.endpoint)
        if r.status_code in (200, 201, 202, 204):
            return
        error = f"push service answered HTTP {r.status_code}: {r.text[:200]}"
        if r.status_code in (404, 410):
            raise TargetGone(error)
        if r.status_code == 429 or r.status_code >= 500:
            raise TransientDeliveryError(error)
        raise PermanentDeliveryError(error)

    async def _post(
        self, target_at: Pinned, encrypted: bytes, topic: str, signer: _Signer, endpoint: str
    ) -> httpx.Response:
        headers = {
            "Authorization": self._authorization(signer, endpoint),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(self.ttl),
            "Topic": topic,
            "Urgency": "high",
        }
        try:
            r = await self.http.post(
                target_at.url,
                content=encrypted,
                headers={**headers, **target_at.headers},
                extensions=target_at.extensions,
            )
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(f"push {type(exc).__name__}: {exc}"[:500]) from exc
        return r
