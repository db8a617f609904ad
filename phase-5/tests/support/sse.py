"""A Server-Sent Events client for the tests and the bench: httpx streaming in a thread,
parsed per the WHATWG event-stream rules (the subset the API sends), messages queued."""

import contextlib
import json
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Message:
    event: str
    id: str | None
    data: str
    received: float = field(default_factory=time.perf_counter)

    @property
    def json(self) -> Any:
        return json.loads(self.data)


class EventStream:
    """Opens GET `url` and reads it until closed; `status`/`headers` once connected."""

    def __init__(self, url: str, headers: dict[str, str], **params: str) -> None:
        self.messages: queue.Queue[Message | None] = queue.Queue()
        self.retry: int | None = None
        self.comments = 0
        self.status: int | None = None
        self.headers: httpx.Headers | None = None
        self.body = b""
        self.ended = threading.Event()
        self._connected = threading.Event()
        self._socket: socket.socket | None = None
        self._client = httpx.Client(timeout=httpx.Timeout(10, read=None))
        self._thread = threading.Thread(target=self._run, args=(url, headers, params), daemon=True)
        self._thread.start()
        if not self._connected.wait(15):
            raise AssertionError("event stream did not connect within 15 s")

    def _run(self, url: str, headers: dict[str, str], params: dict[str, str]) -> None:
        try:
            with self._client.stream("GET", url, headers=headers, params=params) as r:
                self.status, self.headers = r.status_code, r.headers
                stream = r.extensions.get("network_stream")
                self._socket = stream.get_extra_info("socket") if stream else None
                if r.status_code != 200:
                    self.body = r.read()
                    self._connected.set()
                    return
                self._connected.set()
                self._parse(r)
        except (httpx.HTTPError, RuntimeError):
            pass  # closed by us, or the server went away: `ended` says so
        finally:
            self._connected.set()
            self.ended.set()
            self.messages.put(None)

    def _parse(self, r: httpx.Response) -> None:
        event, ident, data = "message", None, list[str]()
        for line in r.iter_lines():
            if line == "":
                if data:
                    self.messages.put(Message(event, ident, "\n".join(data)))
                event, ident, data = "message", None, []
            elif line.startswith(":"):
                self.comments += 1
            else:
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "event":
                    event = value
                elif name == "data":
                    data.append(value)
                elif name == "id":
                    ident = value
                elif name == "retry":
                    self.retry = int(value)

    def next(self, timeout: float = 15) -> Message:
        try:
            item = self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no event-stream message within {timeout} s") from None
        if item is None:
            raise AssertionError("the event stream ended")
        return item

    def until(self, match: Callable[[Message], bool], timeout: float = 15) -> list[Message]:
        """Messages read up to and including the first that matches."""
        deadline = time.monotonic() + timeout
        seen: list[Message] = []
        while True:
            message = self.next(max(0.01, deadline - time.monotonic()))
            seen.append(message)
            if match(message):
                return seen

    def close(self) -> None:
        """Hangs up at once (a blocked read in the thread returns), as a closed tab does."""
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(10)
        self._client.close()
