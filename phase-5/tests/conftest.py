"""Shared fixtures. Integration, e2e and chaos tests need the real stack: the session fixture
starts it with the same script a developer runs (idempotent when it is already up)."""

from collections.abc import Iterator

import httpx
import pytest

from tests.support.push import PushSink
from tests.support.smtp import SmtpSink, shared_sink
from tests.support.stack import API, run_script, secrets


@pytest.fixture(scope="session")
def stack() -> str:
    return run_script("dev-up.sh", "--no-reload")


@pytest.fixture
def api(stack: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{API.url}/api/v1", timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def smtp(stack: str) -> SmtpSink:
    """The SMTP server notification-service sends to (its address is in the dev secrets)."""
    return shared_sink()


@pytest.fixture(scope="session")
def push(stack: str) -> Iterator[PushSink]:
    """A Web Push service on loopback that decrypts and verifies what it receives."""
    sink = PushSink(secrets()["vapid-public-key"])
    sink.start()
    yield sink
    sink.stop()
