"""The lag exporter's broker reads run in a child process (monitoring/reader_process.py):
a child that aborts, as librdkafka does on some broker failures, costs one read and the
next read starts a fresh child. Real processes; no broker needed."""

import os
import time
from functools import partial
from pathlib import Path

import pytest

from monitoring.reader_process import ReaderProcess


class _AbortsOnce:
    """Aborts its process on the first read of all (marked by a file), then answers."""

    def __init__(self, mark: str) -> None:
        self.mark = Path(mark)

    def read(self, now: float) -> tuple[float, int]:
        if not self.mark.exists():
            self.mark.write_text("aborted")
            os.abort()
        if now < 0:
            raise ValueError("no negative instants")
        return now * 2, os.getpid()


def test_a_child_that_aborts_costs_one_read_and_the_next_read_starts_a_new_one(
    tmp_path: Path,
) -> None:
    reader = ReaderProcess(partial(_AbortsOnce, str(tmp_path / "mark")), answer_within=30)
    try:
        with pytest.raises(RuntimeError, match="reader process died"):
            reader.read(1.0)
        value, pid = reader.read(2.0)
        assert value == 4.0 and pid != os.getpid()
        # The same child serves the next reads, and an error in a read is raised here.
        assert reader.read(3.0) == (6.0, pid)
        with pytest.raises(RuntimeError, match="ValueError: no negative instants"):
            reader.read(-1.0)
        assert reader.read(4.0) == (8.0, pid)
    finally:
        reader.close()


class _HangsOnce:
    """Answers its first read, hangs on its second (the first child of all only: it leaves
    its pid in the mark), and answers every read after that."""

    def __init__(self, mark: str) -> None:
        self.mark = Path(mark)
        self.reads = 0

    def read(self, now: float) -> int:
        self.reads += 1
        if self.reads == 2 and not self.mark.exists():
            self.mark.write_text(str(os.getpid()))
            time.sleep(60)
        return os.getpid()


def test_a_child_that_does_not_answer_is_killed_and_the_next_read_starts_a_new_one(
    tmp_path: Path,
) -> None:
    mark = tmp_path / "mark"
    # Generous: a spawned child's start (its imports) counts against the first read.
    reader = ReaderProcess(partial(_HangsOnce, str(mark)), answer_within=5)
    try:
        first = reader.read(1.0)
        with pytest.raises(TimeoutError):
            reader.read(2.0)
        assert int(mark.read_text()) == first
        with pytest.raises(ProcessLookupError):
            os.kill(first, 0)  # killed and reaped, not left behind
        fresh = reader.read(3.0)
        assert fresh not in (first, os.getpid())
        assert reader.read(4.0) == fresh
    finally:
        reader.close()
