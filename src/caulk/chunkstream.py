"""`ChunkStream`: a readable raw stream over an iterator of byte chunks, the one adapter behind a
registry blob body (`registry.bodies.BlobStream`), a directory tree tarred while read
(`source.rootfs.tree_tar`) and the consumer side of `source.readahead.ReadAhead`.

A chunk is pulled only when the reader asks for more bytes than are pending; an error the
iterator raises reaches the reader after the bytes before it; once the iterator is exhausted or
has raised, reads return b"" (EOF). Closing the stream closes a generator that is not done, so
files it holds open are released then.
"""

from __future__ import annotations

import io
from collections.abc import Generator, Iterator

__all__ = ["ChunkStream"]


class ChunkStream(io.RawIOBase):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        n = min(len(view), len(self._pending))
        view[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        if not self.closed and isinstance(self._chunks, Generator):
            self._chunks.close()
        super().close()
