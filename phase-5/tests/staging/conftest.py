"""Fixtures of the staging tests. With P5_BASE_URL, P5_TOKEN and P5_MAILBOX_URL set they
test that environment and nothing else. Without them (the ordinary test run) they bring up
the process stack (dev-up.sh), mint a token with the local secret and serve the inbox over
the test SMTP server that notification-service already sends to (127.0.0.1:2525)."""

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.staging.platform import Mailbox, Target


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    given = Target.from_env()
    if given is not None:
        yield given
        return
    from tests.staging.mailbox import Inbox
    from tests.support.smtp import shared_sink
    from tests.support.stack import API, token

    request.getfixturevalue("stack")
    inbox = Inbox(shared_sink(), "127.0.0.1", 0)
    inbox.serve_in_background()
    yield Target(API.url, token(f"staging-{uuid.uuid4().hex[:8]}"), inbox.url)
    inbox.shutdown()


@pytest.fixture(scope="session")
def api(target: Target) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{target.base_url}/api/v1",
        headers={"Authorization": f"Bearer {target.token}"},
        timeout=30,
    ) as client:
        yield client


@pytest.fixture(scope="session")
def mailbox(target: Target) -> Iterator[Mailbox]:
    box = Mailbox(target.mailbox_url)
    yield box
    box.close()
