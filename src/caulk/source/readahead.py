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
import queue
import threading
from collections.abc import Iterator
from typing import BinaryIO

from caulk.chunkstream import ChunkStream

__all__ = ["ReadAhead"]

_EOF = b""


class ReadAhead(ChunkStream):
    def __init__(self, raw: BinaryIO, *, chunk: int = 1 << 20, depth: int = 8) -> None:
        self._raw = raw
        self._chunk = chunk
        self._queue: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        super().__init__(self._consume())
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

    def _consume(self) -> Iterator[bytes]:
        """The producer's chunks in order, up to EOF or its error (raised here, in the reader)."""
        while True:
            item = self._queue.get()
            if isinstance(item, BaseException):
                raise item
            if item == _EOF:
                return
            yield item

    def close(self) -> None:
        if not self.closed:
            self._stop.set()
            while self._thread.is_alive():  # unblock a producer waiting on a full queue
                with contextlib.suppress(queue.Empty):
                    self._queue.get(timeout=0.1)
            self._thread.join()
            self._raw.close()
        super().close()
