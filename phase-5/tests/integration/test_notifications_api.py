"""The channel endpoints of todo-api: validation (422 naming the field), per-user isolation,
and the VAPID public key served from the Dapr secrets API."""

import base64
import os
from typing import Any

import httpx
import pytest

from tests.support.stack import auth, new_user, secrets


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def browser_keys() -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}


def subscription(endpoint: str | None = None) -> dict[str, Any]:
    return {
        "endpoint": endpoint or f"https://push.example.net/send/{os.urandom(8).hex()}",
        "expirationTime": None,
        "keys": browser_keys(),
    }


def assert_invalid(r: httpx.Response, field: str) -> None:
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"]["field"] == field, error
    assert error["message"]


def test_register_list_and_remove_channels(api: httpx.Client) -> None:
    user = new_user()
    sub = subscription()
    r = api.put(
        "/me/notifications",
        json={"email": " Ann.Lee+todo@Example.COM ", "push": sub},
        headers=auth(user),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["email"]["address"] == "Ann.Lee+todo@example.com"
    assert [s["endpoint"] for s in body["push"]] == [sub["endpoint"]]
    assert "keys" not in body["push"][0] and "auth" not in body["push"][0]

    # A second device adds a subscription; re-sending the first refreshes, never duplicates.
    second = subscription()
    api.put("/me/notifications", json={"push": second}, headers=auth(user))
    r = api.put("/me/notifications", json={"push": sub}, headers=auth(user))
    assert [s["endpoint"] for s in r.json()["push"]] == [sub["endpoint"], second["endpoint"]]
    # PUT with only an email keeps the subscriptions.
    r = api.put("/me/notifications", json={"email": "ann@example.org"}, headers=auth(user))
    assert r.json()["email"]["address"] == "ann@example.org" and len(r.json()["push"]) == 2

    r = api.delete(
        "/me/notifications/push", params={"endpoint": sub["endpoint"]}, headers=auth(user)
    )
    assert r.status_code == 204
    r = api.delete("/me/notifications/email", headers=auth(user))
    assert r.status_code == 204
    assert api.delete("/me/notifications/email", headers=auth(user)).status_code == 204
    listed = api.get("/me/notifications", headers=auth(user)).json()
    assert listed["email"] is None
    assert [s["endpoint"] for s in listed["push"]] == [second["endpoint"]]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "ann@localhost"}, "email"),
        ({"email": "ann@exa mple.com"}, "email"),
        ({"email": "ann@example.com\r\nBcc: x@example.com"}, "email"),
        ({"push": subscription("ftp://push.example.net/x")}, "push.endpoint"),
        ({"push": subscription("http://push.example.net/x")}, "push.endpoint"),
        ({"push": subscription("not a url")}, "push.endpoint"),
        ({"push": subscription("https://push.example.net/a\x00b")}, "push.endpoint"),
        ({"push": subscription("https://push.example.net/caf\u00e9")}, "push.endpoint"),
        ({"email": "a\x00b@example.com"}, "email"),
        ({"push": subscription("https://user:pw@push.example.net/x")}, "push.endpoint"),
        ({"push": {"endpoint": "https://push.example.net/x"}}, "push.keys"),
        (
            {"push": {**subscription(), "keys": {"p256dh": browser_keys()["p256dh"]}}},
            "push.keys.auth",
        ),
        (
            {"push": {**subscription(), "keys": {"auth": b64url(os.urandom(16))}}},
            "push.keys.p256dh",
        ),
        (
            {
                "push": {
                    **subscription(),
                    "keys": {**browser_keys(), "p256dh": b64url(b"\x04" + b"\x01" * 64)},
                }
            },
            "push.keys.p256dh",
        ),
        (
            {"push": {**subscription(), "keys": {**browser_keys(), "auth": b64url(os.urandom(8))}}},
            "push.keys.auth",
        ),
        ({"push": {"keys": browser_keys()}}, "push.endpoint"),
        ({}, "request"),
        ({"emial": "ann@example.com"}, "emial"),
    ],
)
def test_malformed_channels_are_422_naming_the_field(
    api: httpx.Client, body: dict[str, Any], field: str
) -> None:
    user = new_user()
    assert_invalid(api.put("/me/notifications", json=body, headers=auth(user)), field)
    listed = api.get("/me/notifications", headers=auth(user)).json()
    assert listed == {"email": None, "push": []}, "nothing half-registered"


def test_remove_push_with_a_malformed_endpoint_is_422(api: httpx.Client) -> None:
    r = api.delete(
        "/me/notifications/push", params={"endpoint": "x\x00y"}, headers=auth(new_user())
    )
    assert r.status_code == 422, r.text
    assert_invalid(r, "endpoint")


def test_loopback_http_endpoint_is_accepted_outside_production(api: httpx.Client) -> None:
    user = new_user()
    sub = subscription("http://127.0.0.1:9/push/abc")
    r = api.put("/me/notifications", json={"push": sub}, headers=auth(user))
    assert r.status_code == 200, r.text


def test_users_cannot_see_or_remove_each_others_channels(api: httpx.Client) -> None:
    a, b = new_user(), new_user()
    sub = subscription()
    api.put("/me/notifications", json={"email": "a@example.com", "push": sub}, headers=auth(a))

    assert api.get("/me/notifications", headers=auth(b)).json() == {"email": None, "push": []}
    # B deleting A's endpoint or "their" email changes nothing for A.
    api.delete("/me/notifications/push", params={"endpoint": sub["endpoint"]}, headers=auth(b))
    api.delete("/me/notifications/email", headers=auth(b))
    # B registering the same endpoint gets their own row; A's stays A's.
    api.put("/me/notifications", json={"push": sub}, headers=auth(b))
    mine = api.get("/me/notifications", headers=auth(a)).json()
    assert mine["email"]["address"] == "a@example.com"
    assert [s["endpoint"] for s in mine["push"]] == [sub["endpoint"]]
    theirs = api.get("/me/notifications", headers=auth(b)).json()
    assert theirs["push"][0]["subscription_id"] != mine["push"][0]["subscription_id"]

    for method, path in (
        ("GET", "/me/notifications"),
        ("PUT", "/me/notifications"),
        ("DELETE", "/me/notifications/email"),
    ):
        r = api.request(method, path, json={"email": "x@example.com"} if method == "PUT" else None)
        assert r.status_code == 401, (method, path, r.text)


def test_push_subscriptions_are_capped_per_user(api: httpx.Client) -> None:
    user = new_user()
    for _ in range(10):
        assert (
            api.put(
                "/me/notifications", json={"push": subscription()}, headers=auth(user)
            ).status_code
            == 200
        )
    r = api.put("/me/notifications", json={"push": subscription()}, headers=auth(user))
    assert r.status_code == 409 and r.json()["error"]["details"]["field"] == "push"


def test_vapid_public_key_comes_from_the_secret_store(api: httpx.Client) -> None:
    r = api.get("/push/public-key")
    assert r.status_code == 200
    assert r.json() == {"public_key": secrets()["vapid-public-key"]}
    assert "private" not in r.text.lower()
