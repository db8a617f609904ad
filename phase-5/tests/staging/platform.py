"""What the staging tests know of an environment: a base URL, a token, and the HTTP inbox
of a test SMTP receiver. Nothing else (no database, no Kafka, no Dapr port), so the same
tests prove the process stack, the local cluster and AKS staging.

    P5_BASE_URL     e.g. http://127.0.0.1:8000 or https://staging.todo.example
    P5_TOKEN        a bearer token the API accepts (its `sub` is the test user)
    P5_MAILBOX_URL  the test SMTP receiver's inbox (tests/staging/mailbox.py)
"""

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


@dataclass(frozen=True)
class Target:
    base_url: str
    token: str
    mailbox_url: str

    @classmethod
    def from_env(cls) -> "Target | None":
        names = ("P5_BASE_URL", "P5_TOKEN", "P5_MAILBOX_URL")
        values = [os.environ.get(n, "") for n in names]
        if not any(values):
            return None
        missing = [n for n, v in zip(names, values, strict=True) if not v]
        if missing:
            raise RuntimeError(
                f"staging tests need {', '.join(names)}; missing: {', '.join(missing)}"
            )
        return cls(values[0].rstrip("/"), values[1], values[2].rstrip("/"))


def eventually(probe: Callable[[], T | None], timeout: float, interval: float = 1.0) -> T:
    """Polls until probe() returns something truthy; fails with the last value seen."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s (last: {last!r})")
        time.sleep(interval)


class Mailbox:
    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=15)

    def messages(self, to: str) -> list[dict[str, Any]]:
        r = self.http.get("/messages", params={"to": to})
        r.raise_for_status()
        messages: list[dict[str, Any]] = r.json()["messages"]
        return messages

    def close(self) -> None:
        self.http.close()
