"""Shared fixtures. Integration, e2e and chaos tests need the real stack: the session fixture
starts it with the same script a developer runs (idempotent when it is already up)."""

from collections.abc import Iterator

import httpx
import pytest

from tests.support.stack import API, run_script


@pytest.fixture(scope="session")
def stack() -> str:
    return run_script("dev-up.sh", "--no-reload")


@pytest.fixture
def api(stack: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{API.url}/api/v1", timeout=30) as client:
        yield client
