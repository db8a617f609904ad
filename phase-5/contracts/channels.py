"""Where notifications may go: checks on email addresses and Web Push subscriptions, and
the secret-store entry holding the VAPID public key browsers subscribe with.

Used by todo-api when a user registers a channel (and serves the public key) and by
notification-service before it sends (a row written before a rule tightened must not slip
through). Every check raises `ValueError` with a message fit for a 422; callers attach the
field name."""

import base64
import binascii
import ipaddress
import re
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

# Name of the entry in the Dapr secret store (never the value): todo-api serves the key,
# notification-service signs with the matching private key.
VAPID_PUBLIC_KEY_NAME = "vapid-public-key"

MAX_EMAIL = 254
MAX_ENDPOINT = 2048
# Push services hand out ASCII URLs; anything else (NUL, controls, spaces) is refused.
ENDPOINT_CHARS = re.compile(r"^[\x21-\x7e]+$")
# RFC 5322 dot-atom local part (ASCII) and an LDH domain with a letter-only TLD: strict on
# purpose, since the address ends up in an SMTP envelope and a header.
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_TLD = re.compile(r"^[A-Za-z]{2,63}$|^xn--[A-Za-z0-9-]{1,59}$")
_LOOPBACK_NAMES = {"localhost"}


def normalize_email(value: str) -> str:
    """'Ann@Example.COM ' -> 'Ann@example.com' (the local part keeps its case)."""
    address = value.strip()
    if not address:
        raise ValueError("Email address must not be empty")
    if len(address) > MAX_EMAIL:
        raise ValueError(f"Email address is longer than {MAX_EMAIL} characters")
    local, sep, domain = address.rpartition("@")
    if not sep or not local or not domain:
        raise ValueError("Email address needs the form name@example.com")
    if len(local) > 64 or not _LOCAL.match(local):
        raise ValueError("Email address has an invalid part before the @")
    labels = domain.split(".")
    if (
        len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or not _TLD.match(labels[-1])
    ):
        raise ValueError("Email address has an invalid domain")
    return f"{local}@{domain.lower()}"


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(url: str, *, allow_loopback_http: bool) -> str:
    """A push endpoint is an absolute https URL with a host, without credentials or a
    fragment; http is accepted for loopback hosts only, and only outside production."""
    if len(url) > MAX_ENDPOINT:
        raise ValueError(f"Endpoint is longer than {MAX_ENDPOINT} characters")
    if not ENDPOINT_CHARS.fullmatch(url):
        raise ValueError("Endpoint must be printable ASCII without spaces")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a non-numeric or out-of-range port
    except ValueError as exc:
        raise ValueError("Endpoint is not a valid URL") from exc
    host = parts.hostname or ""
    if not host or parts.username or parts.password or parts.fragment:
        raise ValueError("Endpoint needs a host, and no credentials or fragment")
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and _is_loopback(host):
        if allow_loopback_http:
            return url
        raise ValueError("Endpoint must use https")
    raise ValueError("Endpoint must be an https URL")


def b64url_decode(value: str) -> bytes:
    """Base64url with or without padding; standard base64 characters are refused."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+={0,2}", value):
        raise ValueError("must be base64url-encoded")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("must be base64url-encoded") from exc


def check_p256dh(value: str) -> str:
    """The browser's ECDH key: an uncompressed point (65 bytes) on P-256."""
    raw = b64url_decode(value)
    if len(raw) != 65 or raw[0] != 0x04:
        raise ValueError("must be an uncompressed P-256 public key (65 bytes, base64url)")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError as exc:
        raise ValueError("is not a point on the P-256 curve") from exc
    return value.rstrip("=")


def check_auth(value: str) -> str:
    """The subscription's authentication secret: 16 bytes."""
    if len(b64url_decode(value)) != 16:
        raise ValueError("must be a 16-byte authentication secret (base64url)")
    return value.rstrip("=")
