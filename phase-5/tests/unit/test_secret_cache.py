"""Secrets read at use: kept for max-age, re-read at once when a credential is refused (at
most every few seconds), the kept value used while the store is down; and the JWT check
that follows a rotated signing key without a restart."""

import time

import jwt
import pytest

from api.auth import SigningKey
from api.errors import Unauthorized
from infra.secret_cache import SecretCache
from infra.sidecar import SidecarError


class Store:
    def __init__(self, **values: str) -> None:
        self.values = dict(values)
        self.reads = 0
        self.down = False

    async def read_secret(self, key: str, *, allow_empty: bool = False) -> str:
        self.reads += 1
        if self.down:
            raise SidecarError(f"secret {key!r} unavailable")
        return self.values[key]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cache(store: Store, clock: Clock, max_age: float = 30, min_refresh: float = 5) -> SecretCache:
    return SecretCache(store, max_age, min_refresh=min_refresh, clock=clock)


async def test_a_value_is_kept_for_max_age_then_read_again() -> None:
    store, clock = Store(k="v1"), Clock()
    c = cache(store, clock)
    assert await c.get("k") == "v1"
    store.values["k"] = "v2"
    clock.now += 29
    assert await c.get("k") == "v1" and store.reads == 1
    clock.now += 2
    assert await c.get("k") == "v2" and store.reads == 2


async def test_refresh_reads_at_once_but_not_more_often_than_min_refresh() -> None:
    store, clock = Store(k="v1"), Clock()
    c = cache(store, clock)
    await c.get("k")
    clock.now += 6
    store.values["k"] = "v2"
    assert await c.refresh("k") is True and await c.get("k") == "v2"
    store.values["k"] = "v3"
    clock.now += 1
    # A flood of refused credentials costs at most one read per min_refresh.
    assert await c.refresh("k") is False and store.reads == 2
    clock.now += 5
    assert await c.refresh("k") is True and await c.get("k") == "v3"


async def test_a_store_outage_keeps_the_value_read_before_but_a_first_read_fails() -> None:
    store, clock = Store(k="v1"), Clock()
    c = cache(store, clock)
    await c.get("k")
    store.down = True
    clock.now += 31
    assert await c.get("k") == "v1"
    reads = store.reads
    clock.now += 1
    assert await c.get("k") == "v1" and store.reads == reads  # not hammered while down
    with pytest.raises(SidecarError):
        await c.get("other")
    store.down, store.values["k"] = False, "v2"
    clock.now += 5
    assert await c.get("k") == "v2"


def _token(key: str, sub: str = "alice") -> str:
    now = int(time.time())
    return "Bearer " + jwt.encode({"sub": sub, "iat": now, "exp": now + 600}, key, "HS256")


async def test_tokens_signed_with_a_rotated_key_are_accepted_at_first_use() -> None:
    store, clock = Store(auth="old-key-" + "x" * 40), Clock()
    key = SigningKey(cache(store, clock, max_age=30), "auth")
    old = store.values["auth"]
    assert await key.user(_token(old)) == "alice"
    store.values["auth"] = new = "new-key-" + "y" * 40
    clock.now += 6
    # Well within max-age: the refused signature makes it read the store again.
    assert await key.user(_token(new, "bob")) == "bob"
    with pytest.raises(Unauthorized):
        await key.user(_token(old))


async def test_a_token_signed_with_an_unknown_key_stays_refused_and_reads_little() -> None:
    store, clock = Store(auth="the-key-" + "z" * 40), Clock()
    key = SigningKey(cache(store, clock), "auth")
    for _ in range(50):
        with pytest.raises(Unauthorized):
            await key.user(_token("forged-" + "w" * 40))
    assert store.reads == 1  # the first read; refreshes wait min_refresh
    with pytest.raises(Unauthorized):
        await key.user("Bearer not-a-jwt")
