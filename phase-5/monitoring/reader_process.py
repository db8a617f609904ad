"""Runs the broker reads in a child process the exporter restarts when it dies.

librdkafka aborts the whole process on some broker failures: with the broker killed under
load, an offsets request that timed out while the connection dropped ended in
`rdkafka_queue.h: rd_kafka_enq_once_del_source_return: Assertion 'eonce->refcnt > 0'`
(confluent-kafka 2.16.1, librdkafka 2.16.0), and the exporter died with it, so a lost
broker showed as a lost exporter and its restart during the broker's own restart died
again. In a child, such an abort costs one scrape (`kafka_lag_exporter_up 0`); the next
read starts a fresh child."""

import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Protocol


class Reader(Protocol):
    def read(self, now: float) -> Any: ...


def _serve(conn: Connection, make: Callable[[], Reader]) -> None:
    reader = make()
    while True:
        try:
            now = conn.recv()
        except EOFError:  # the parent went away
            return
        try:
            conn.send(reader.read(now))
        except Exception as exc:  # sent back, raised in the parent
            conn.send(RuntimeError(f"{type(exc).__name__}: {exc}"))


class ReaderProcess:
    """`read(now)` like the reader `make()` builds, answered by a child process. `make`
    must be picklable (a module-level function or a functools.partial of one): the child
    is spawned, not forked, as librdkafka's threads do not survive a fork."""

    def __init__(self, make: Callable[[], Reader], answer_within: float) -> None:
        self._make = make
        self._answer_within = answer_within
        self._ctx = multiprocessing.get_context("spawn")
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None

    def _child(self) -> Connection:
        if self._proc is not None and self._proc.is_alive() and self._conn is not None:
            return self._conn
        self.close()
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=_serve, args=(child, self._make), daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent
        return parent

    def read(self, now: float) -> Any:
        conn = self._child()
        try:
            conn.send(now)
            answered = conn.poll(self._answer_within)
            answer = conn.recv() if answered else None
        except (EOFError, ConnectionError) as exc:
            code = self._proc.exitcode if self._proc is not None else None
            self.close()
            raise RuntimeError(f"the reader process died (exit code {code})") from exc
        if not answered:
            self.close()  # stuck: the next read starts afresh
            raise TimeoutError(f"no answer from the reader within {self._answer_within} s")
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
            self._proc = None
