"""The chat/pager side of Alertmanager for the tests: an HTTP server on
127.0.0.1:9098 (ALERT_WEBHOOK_PORT in scripts/lib/common.sh), where the local Alertmanager's
webhook URL files point. Keeps every notification (Alertmanager's webhook JSON) by path."""

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WEBHOOK_HOST, WEBHOOK_PORT = "127.0.0.1", 9098


@dataclass(frozen=True)
class Notification:
    path: str  # /chat or /pager: which receiver's URL file was used
    body: dict[str, Any]

    def alerts(self, name: str) -> list[dict[str, Any]]:
        return [a for a in self.body.get("alerts", []) if a["labels"].get("alertname") == name]


class AlertWebhook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._got: list[Notification] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with sink._lock:
                    sink._got.append(Notification(self.path, json.loads(raw)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((WEBHOOK_HOST, WEBHOOK_PORT), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def received(self) -> list[Notification]:
        with self._lock:
            return list(self._got)
