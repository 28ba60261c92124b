"""ReadAhead hands over bytes in order, errors after the bytes before them, and stops cleanly."""

from __future__ import annotations

import io
import threading
import time

import pytest

from caulk.errors import VerificationError
from caulk.source.readahead import ReadAhead


class _Source(io.RawIOBase):
    def __init__(self, chunks: list[bytes], error: Exception | None = None) -> None:
        super().__init__()
        self.chunks, self.error, self.reads, self.closed_by_consumer = list(chunks), error, 0, False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        if self.chunks:
            return self.chunks.pop(0)
        if self.error is not None:
            raise self.error
        return b""

    def close(self) -> None:
        self.closed_by_consumer = True
        super().close()


def test_bytes_arrive_in_order() -> None:
    chunks = [bytes([i]) * 1000 for i in range(50)]
    with io.BufferedReader(ReadAhead(_Source(chunks), chunk=1000, depth=3)) as stream:  # type: ignore[arg-type]
        assert stream.read() == b"".join(chunks)


def test_error_comes_after_the_data_read_before_it() -> None:
    source = _Source([b"a" * 10, b"b" * 10], VerificationError("digest mismatch", where="blob"))
    reader = ReadAhead(source, chunk=10)  # type: ignore[arg-type]
    assert reader.read(10) == b"a" * 10
    assert reader.read(10) == b"b" * 10
    with pytest.raises(VerificationError, match="digest mismatch"):
        reader.read(10)
    reader.close()


def test_close_mid_stream_stops_the_producer_without_reading_everything() -> None:
    source = _Source([b"x" * 10] * 10_000)
    reader = ReadAhead(source, chunk=10, depth=2)  # type: ignore[arg-type]
    assert reader.read(10) == b"x" * 10
    time.sleep(0.05)
    reader.close()  # joins the producer: a drain would read all 10,000 chunks first
    assert source.closed_by_consumer
    assert source.reads < 100  # bounded read-ahead, not a drain
    assert not [t for t in threading.enumerate() if t.name == "caulk-readahead"]
