"""A real SMTP server for the tests (aiosmtpd) on 127.0.0.1:2525, the host and port
notification-service reads from the Dapr secrets API.

Besides receiving, it can play the two failures the tests need:
- `go_down()`: the port answers every connection with `421 Service not available` (the
  RFC 5321 reply of a server that is shutting down) and closes it, recording when each
  attempt came, so a test can measure the client's retry spacing from the outside;
- `hold_next(match, seconds)`: the next matching message is kept waiting before the 250
  reply to DATA. If the client vanishes meanwhile, aiosmtpd cancels the handler and the
  message is never accepted, as with any MTA that had not yet answered 250.
"""

import asyncio
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller

SMTP_HOST, SMTP_PORT = "127.0.0.1", 2525


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    received_at: float  # time.time() when the 250 reply was given

    @property
    def reminder_id(self) -> str | None:
        value = self.message["X-Reminder-Id"]
        return None if value is None else str(value)

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        content: str = body.get_content()  # type: ignore[attr-defined]
        return content


@dataclass
class Hold:
    match: Callable[[EmailMessage], bool]
    seconds: float
    started: threading.Event = field(default_factory=threading.Event)
    abandoned: threading.Event = field(default_factory=threading.Event)


class _Handler:
    def __init__(self, sink: "SmtpSink") -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        hold = self.sink._take_hold(message)
        if hold is not None:
            hold.started.set()
            try:
                await asyncio.sleep(hold.seconds)
            except asyncio.CancelledError:
                hold.abandoned.set()  # the client went away: never accepted
                raise
        self.sink._record(
            ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message, time.time())
        )
        return "250 2.0.0 Message accepted for delivery"


class _RefusingHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: _Refuser = self.server  # type: ignore[assignment]
        server.sink._refused(time.time())
        self.request.sendall(b"421 4.3.2 Service not available, closing transmission channel\r\n")


class _Refuser(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, sink: "SmtpSink") -> None:
        self.sink = sink
        super().__init__((sink.host, sink.port), _RefusingHandler)


class SmtpSink:
    def __init__(self, host: str = SMTP_HOST, port: int = SMTP_PORT) -> None:
        self.host, self.port = host, port
        self._lock = threading.Lock()
        self._mail: list[ReceivedMail] = []
        self._refusals: list[float] = []
        self._holds: list[Hold] = []
        self._controller: Controller | None = None
        self._refuser: _Refuser | None = None

    # -- modes ---------------------------------------------------------------------
    def start(self) -> None:
        self._controller = Controller(
            _Handler(self), hostname=self.host, port=self.port, ready_timeout=10
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._refuser is not None:
            self._refuser.shutdown()
            self._refuser.server_close()
            self._refuser = None

    def go_down(self) -> None:
        self.stop()
        self._refuser = _Refuser(self)
        threading.Thread(target=self._refuser.serve_forever, daemon=True).start()

    def come_back(self) -> None:
        self.stop()
        self.start()

    def hold_next(self, match: Callable[[EmailMessage], bool], seconds: float) -> Hold:
        hold = Hold(match, seconds)
        with self._lock:
            self._holds.append(hold)
        return hold

    # -- what happened ---------------------------------------------------------------
    def mail(self, match: Callable[[ReceivedMail], bool] | None = None) -> list[ReceivedMail]:
        with self._lock:
            return [m for m in self._mail if match is None or match(m)]

    def for_reminder(self, reminder_id: str) -> list[ReceivedMail]:
        return self.mail(lambda m: m.reminder_id == reminder_id)

    def refusals(self, since: float = 0.0) -> list[float]:
        with self._lock:
            return [t for t in self._refusals if t >= since]

    # -- called from the server threads ----------------------------------------------------
    def _take_hold(self, message: EmailMessage) -> Hold | None:
        with self._lock:
            for hold in self._holds:
                if hold.match(message):
                    self._holds.remove(hold)
                    return hold
        return None

    def _record(self, mail: ReceivedMail) -> None:
        with self._lock:
            self._mail.append(mail)

    def _refused(self, at: float) -> None:
        with self._lock:
            self._refusals.append(at)


_shared: SmtpSink | None = None


def shared_sink() -> SmtpSink:
    """One server per test process: port 2525 can only be bound once."""
    global _shared
    if _shared is None:
        _shared = SmtpSink()
        _shared.start()
    return _shared
