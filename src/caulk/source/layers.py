"""Open a layer as its *uncompressed* tar stream, verified and capped.

    with open_layer(image, layer) as tar_stream:   # BinaryIO, read() sequentially
        ...

The compressed blob is verified against the manifest descriptor (size, digest) and the uncompressed
bytes against `layer.diff_id`. Leaving the block normally drains the stream, so verification always
happens. Compression is detected from the magic bytes (the media type is only a hint: legacy
docker-archive layers say nothing). Decompression is capped by `Limits` (bombs raise
`UnsafeContentError`). Nothing is written to disk and nothing is held whole in memory.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, cast

import zstandard
from isal import igzip
from isal.igzip_lib import IsalError as _IsalError

from caulk.errors import Error, ImageFormatError, UnsafeContentError
from caulk.source.interface import Compression
from caulk.source.readahead import ReadAhead
from caulk.source.verify import VerifyingReader
from caulk.source.zstdframes import FrameTracker

if TYPE_CHECKING:
    from caulk.source.interface import Image, Layer

__all__ = ["DEFAULT_LIMITS", "Limits", "decompressed", "open_layer", "sniff"]

log = logging.getLogger(__name__)

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_CHUNK = 1 << 20
_DECODE_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    ValueError,
    zstandard.ZstdError,
    cast("type[Exception]", _IsalError),  # the stub declares it as an instance
)


@dataclass(frozen=True, slots=True)
class Limits:
    """Decompression caps: total uncompressed bytes of one layer, and the expansion ratio once
    `ratio_grace` bytes have come out (small layers of zeros legitimately compress very well)."""

    max_total: int = 64 << 30
    max_ratio: int = 200
    ratio_grace: int = 64 << 20


DEFAULT_LIMITS = Limits()


def sniff(head: bytes) -> Compression:
    if head.startswith(_GZIP_MAGIC):
        return Compression.GZIP
    if head.startswith(_ZSTD_MAGIC):
        return Compression.ZSTD
    return Compression.NONE


class _Prefixed(io.RawIOBase):
    """`prefix` then the rest of `raw` (used after peeking at magic bytes)."""

    def __init__(self, prefix: bytes, raw: BinaryIO) -> None:
        super().__init__()
        self._prefix, self._raw = memoryview(prefix), raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        if self._prefix:
            n = min(len(view), len(self._prefix))
            view[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._raw.read(len(view))
        view[: len(data)] = data
        return len(data)


class _Capped(io.RawIOBase):
    """Decompressed bytes, with third-party decoder errors turned into ImageFormatError and the
    bomb caps enforced against the compressed bytes consumed so far."""

    def __init__(
        self,
        decoder: BinaryIO,
        compressed: VerifyingReader,
        compression: Compression,
        limits: Limits,
        where: str,
        tracker: FrameTracker | None = None,
    ) -> None:
        super().__init__()
        self._decoder, self._compressed = decoder, compressed
        self._compression, self._limits, self._where = compression, limits, where
        self._tracker = tracker
        self.total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        name = self._compression.value
        try:
            data = self._decoder.read(len(view))
        except Error:
            raise
        except EOFError:
            raise ImageFormatError(
                f"layer {self._compressed.digest}: truncated {name} data", where=self._where
            ) from None
        except _DECODE_ERRORS as exc:
            raise ImageFormatError(
                f"layer {self._compressed.digest}: corrupt {name} data ({exc})", where=self._where
            ) from None
        n = len(data)
        view[:n] = data
        if n == 0:
            self._check_end()
            return 0
        self.total += n
        limits = self._limits
        if self.total > limits.max_total:
            raise UnsafeContentError(
                f"layer {self._compressed.digest} expands beyond {limits.max_total} bytes",
                where=self._where,
            )
        consumed = max(self._compressed.bytes_read, 1)
        if self.total > limits.ratio_grace and self.total > consumed * limits.max_ratio:
            raise UnsafeContentError(
                f"layer {self._compressed.digest} expands more than {limits.max_ratio}:1 "
                "(decompression bomb?)",
                where=self._where,
            )
        return n

    def _check_end(self) -> None:
        tracker = self._tracker
        if tracker is None:
            return
        if tracker.error or not tracker.complete:
            reason = tracker.error or "truncated zstd data"
            raise ImageFormatError(f"layer {self._compressed.digest}: {reason}", where=self._where)

    def close(self) -> None:
        if not self.closed:
            try:
                self._decoder.close()
            finally:
                super().close()


@contextmanager
def decompressed(
    compressed: VerifyingReader,
    diff_id: str,
    *,
    where: str,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[BinaryIO]:
    """The uncompressed, diff_id-verified stream of a verified compressed blob. Drains on normal
    exit so both digests are always checked; closes everything on any exit."""
    head = compressed.read(4)
    compression = sniff(head)
    source = cast(BinaryIO, _Prefixed(head, cast(BinaryIO, compressed)))
    tracker: FrameTracker | None = None
    decoder: BinaryIO
    if compression is Compression.GZIP:
        decoder = cast(BinaryIO, igzip.IGzipFile(fileobj=source, mode="rb"))  # type: ignore[no-untyped-call]
    elif compression is Compression.ZSTD:
        tracker = FrameTracker(source)
        decoder = cast(
            BinaryIO,
            zstandard.ZstdDecompressor().stream_reader(
                cast(BinaryIO, tracker), read_size=_CHUNK, read_across_frames=True
            ),
        )
    else:
        decoder = source
    capped = _Capped(decoder, compressed, compression, limits, where, tracker)
    verified = VerifyingReader.for_digest(
        cast(BinaryIO, capped), diff_id, where=where, what="uncompressed layer (diff_id)"
    )
    stream = io.BufferedReader(
        ReadAhead(cast(BinaryIO, verified), chunk=_CHUNK), buffer_size=_CHUNK
    )
    try:
        yield cast(BinaryIO, stream)
        while stream.read(_CHUNK):
            pass
        compressed.drain()  # bytes after the end of the compressed stream still count
    finally:
        stream.close()
        compressed.close()
    log.debug("%s: %s layer, %d bytes uncompressed", where, compression.value, capped.total)


@contextmanager
def open_layer(
    image: Image, layer: Layer, *, limits: Limits = DEFAULT_LIMITS
) -> Iterator[BinaryIO]:
    """Yield the uncompressed tar stream of `layer` (see the module docstring)."""
    compressed = image.open_blob(layer.descriptor)
    assert isinstance(compressed, VerifyingReader)
    with decompressed(compressed, layer.diff_id, where=compressed.where, limits=limits) as stream:
        yield stream
