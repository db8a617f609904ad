"""A test SMTP receiver with an HTTP inbox: what the staging tests read reminders from.

    python -m tests.staging.mailbox --smtp 0.0.0.0:2525 --http 0.0.0.0:8025

SMTP is aiosmtpd (tests/support/smtp.py). The inbox answers
`GET /messages?to=<address>` with `{"messages": [{"from", "to", "subject", "reminder_id",
"message_id", "received_at", "text"}]}` and `GET /healthz`. It keeps mail in memory only:
it is a test receiver, deployed by the chart where `mailbox.enabled` (local, staging)."""

import argparse
import json
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.smtp import ReceivedMail, SmtpSink


def as_json(mail: ReceivedMail) -> dict[str, Any]:
    body = mail.message.get_body(preferencelist=("plain", "html"))
    return {
        "from": mail.mail_from,
        "to": mail.rcpt_tos,
        "subject": str(mail.message["Subject"] or ""),
        "reminder_id": mail.reminder_id,
        "message_id": str(mail.message["Message-ID"] or ""),
        "received_at": mail.received_at,
        "text": body.get_content() if body is not None else "",  # type: ignore[attr-defined]
    }


class Inbox(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sink: SmtpSink, host: str, port: int) -> None:
        self.sink = sink
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def serve_in_background(self) -> None:
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _Handler(BaseHTTPRequestHandler):
    server: Inbox

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/healthz":
            return self._send(200, {"status": "ok"})
        if url.path != "/messages":
            return self._send(404, {"error": "not found"})
        to = parse_qs(url.query).get("to", [None])[0]
        mail = self.server.sink.mail(
            None if to is None else lambda m: to.lower() in (r.lower() for r in m.rcpt_tos)
        )
        return self._send(200, {"messages": [as_json(m) for m in mail]})

    def _send(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per poll would drown the receiver's log


def _address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host, int(port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smtp", default="127.0.0.1:2525", help="HOST:PORT to receive mail on")
    parser.add_argument("--http", default="127.0.0.1:8025", help="HOST:PORT of the inbox")
    args = parser.parse_args()
    sink = SmtpSink(*_address(args.smtp))
    sink.start()
    inbox = Inbox(sink, *_address(args.http))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    inbox.serve_in_background()
    print(f"mailbox: smtp {args.smtp}, inbox {inbox.url}", flush=True)
    stop.wait()
    inbox.shutdown()
    sink.stop()


if __name__ == "__main__":
    main()
