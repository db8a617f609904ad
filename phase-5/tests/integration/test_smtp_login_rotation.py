"""A rotated SMTP password against a real SMTP server that requires AUTH (aiosmtpd on
127.0.0.1): when the server already wants the new password and our kept value is the old
one, the refused login (535) makes the sender read the secret store again and deliver at
once; a password the store does not have yet is a transient failure (retried, then
dead-lettered), never a permanent one. The secret store here is a dict standing in for the
Dapr store, which the cluster tier tests for real (tests/cluster/test_secret_rotation.py)."""

import socket
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from infra.secret_cache import SecretCache
from notifications.errors import TransientDeliveryError
from notifications.smtp_channel import SmtpSender

# Loopback only, and TLS is not what is under test here.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


class Server:
    """aiosmtpd with AUTH required (no TLS: loopback only) and a password we can change."""

    def __init__(self) -> None:
        self.password = "p1"
        self.received: list[str] = []
        self.refused = 0

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == b"reminders"
            and (data.password.decode() == self.password)
        )
        self.refused += not ok
        return AuthResult(success=ok, handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope.content.decode(errors="replace"))
        return "250 OK"


class Store:
    def __init__(self, port: int) -> None:
        self.values = {
            "smtp-host": "127.0.0.1",
            "smtp-port": str(port),
            "smtp-username": "reminders",
            "smtp-password": "p1",
            "smtp-from": "reminders@todo.local",
        }
        self.reads: dict[str, int] = {}

    async def read_secret(self, key: str, *, allow_empty: bool = False) -> str:
        self.reads[key] = self.reads.get(key, 0) + 1
        return self.values[key]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[Server, int]]:
    server, port = Server(), _free_port()
    controller = Controller(
        server,
        hostname="127.0.0.1",
        port=port,
        authenticator=server.authenticate,
        auth_required=True,
        auth_require_tls=False,
        ready_timeout=10,
    )
    controller.start()
    yield server, port
    controller.stop()


def _message(config_sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"] = config_sender, "someone@example.test"
    msg["Subject"] = f"rotation {uuid.uuid4().hex[:8]}"
    msg.set_content("due now")
    return msg


async def test_a_refused_login_reads_the_new_password_and_delivers(
    smtp: tuple[Server, int],
) -> None:
    server, port = smtp
    store = Store(port)
    # Kept for an hour: only the refusal can make it read the password again.
    sender = SmtpSender(SecretCache(store, 3600, min_refresh=0), timeout=5)
    config = await sender.config()
    await sender.send(_message(config.sender), config)
    assert len(server.received) == 1 and store.reads["smtp-password"] == 1

    server.password = store.values["smtp-password"] = "p2"  # rotated on both sides
    config = await sender.config()
    assert config.password == "p1"  # still the kept value
    await sender.send(_message(config.sender), config)
    assert len(server.received) == 2 and server.refused > 0  # one login, every mechanism
    assert store.reads["smtp-password"] == 2
    assert (await sender.config()).password == "p2"


async def test_a_password_the_store_does_not_have_yet_is_a_transient_failure(
    smtp: tuple[Server, int],
) -> None:
    server, port = smtp
    store = Store(port)
    sender = SmtpSender(SecretCache(store, 3600, min_refresh=0), timeout=5)
    server.password = "p3"  # the server changed first; the vault still says p1
    config = await sender.config()
    with pytest.raises(TransientDeliveryError, match="login refused"):
        await sender.send(_message(config.sender), config)
    assert server.received == []
    store.values["smtp-password"] = "p3"  # the new version lands in the store
    # The worker's retry after the interval: the kept p1 is refused, p3 is read and used.
    config = await sender.config()
    await sender.send(_message(config.sender), config)
    assert len(server.received) == 1
