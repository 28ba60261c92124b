"""`ReadAhead`: read a stream in a background thread, a bounded number of chunks ahead.

Layer streams are decompressed (isal, zstandard) and hashed (hashlib) in C code that releases
the GIL, while the tar walker that consumes them is Python. Running the producer in its own thread
overlaps the two on a second core, the way `pigz -dc | tar -t` overlaps two processes. Memory
stays bounded: at most `depth` chunks wait in the queue. Errors raised by the producer (a digest
mismatch at EOF, corrupt gzip, a bomb cap) reach the consumer in order, after the chunks read
before them.
"""

from __future__ import annotations

import contextlib
import io
import queue
import threading
from typing import BinaryIO

__all__ = ["ReadAhead"]

_EOF = b""


class ReadAhead(io.RawIOBase):
    def __init__(self, raw: BinaryIO, *, chunk: int = 1 << 20, depth: int = 8) -> None:
        super().__init__()
        self._raw = raw
        self._chunk = chunk
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._pending = memoryview(b"")
        self._done = False
        self._thread = threading.Thread(target=self._produce, name="caulk-readahead", daemon=True)
        self._thread.start()

    def _put(self, item: bytes | BaseException) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            while not self._stop.is_set():
                data = self._raw.read(self._chunk)
                if not self._put(data) or not data:
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            self._put(exc)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        while not self._pending:
            if self._done:
                return 0
            item = self._queue.get()
            if isinstance(item, BaseException):
                self._done = True
                raise item
            if item == _EOF:
                self._done = True
                return 0
            self._pending = memoryview(item)
        n = min(len(view), len(self._pending))
        view[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        if not self.closed:
            self._stop.set()
            while self._thread.is_alive():  # unblock a producer waiting on a full queue
                with contextlib.suppress(queue.Empty):
                    self._queue.get(timeout=0.1)
            self._thread.join()
            self._raw.close()
        super().close()
