"""`VerifyingReader`: a raw stream wrapper that hashes while reading and checks size and digest.

    reader = VerifyingReader(raw, descriptor, where="sha256:… in layout/blobs")
    reader.read()        # raises VerificationError on overflow, or at EOF on size/digest mismatch

`check_size=False` (see `for_digest`) checks only the digest: used for diff_ids, whose size is
not recorded anywhere.
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import BinaryIO

from caulk.errors import ImageFormatError, VerificationError
from caulk.source.interface import Descriptor

__all__ = ["VerifyingReader", "check_digest", "new_hasher"]

_DIGEST = re.compile(r"^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$")


def check_digest(digest: str, *, where: str) -> str:
    """Return `digest` if it is a well-formed sha256/sha512 digest, else raise ImageFormatError.
    Blob paths are built from digests, so this also stops path tricks like `sha256:../../x`."""
    if not isinstance(digest, str) or not _DIGEST.match(digest):
        raise ImageFormatError(f"invalid or unsupported digest {str(digest)[:80]!r}", where=where)
    return digest


def new_hasher(digest: str) -> hashlib._Hash:
    return hashlib.new(digest.partition(":")[0])


class VerifyingReader(io.RawIOBase):
    """Hashes every byte read from `raw`; raises VerificationError (where = blob digest and file)
    when more than the expected size arrives, or at EOF when size or digest differ."""

    def __init__(
        self,
        raw: BinaryIO,
        descriptor: Descriptor,
        *,
        where: str,
        check_size: bool = True,
        what: str = "blob",
    ) -> None:
        super().__init__()
        self._raw = raw
        self.digest = check_digest(descriptor.digest, where=where)
        self.expected_size: int | None = descriptor.size if check_size else None
        self.where = where
        self.what = what
        self.bytes_read = 0
        self.verified = False
        self._hasher = new_hasher(self.digest)
        self._readinto = getattr(raw, "readinto", None)

    @classmethod
    def for_digest(
        cls, raw: BinaryIO, digest: str, *, where: str, what: str = "blob"
    ) -> VerifyingReader:
        """Verify only the digest (size unknown), e.g. an uncompressed layer against its diff_id."""
        return cls(raw, Descriptor("", digest, -1), where=where, check_size=False, what=what)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        if self.verified or not len(view):
            return 0
        want = len(view)
        if self.expected_size is not None:
            # ask for at most one byte past the expected size: enough to detect an overflow
            want = min(want, max(self.expected_size - self.bytes_read, 0) + 1)
        if self._readinto is not None:
            n = self._readinto(view[:want])
        else:
            chunk = self._raw.read(want)
            n = len(chunk)
            view[:n] = chunk
        n = n or 0
        if n == 0:
            self._finish()
            return 0
        self._hasher.update(view[:n])
        self.bytes_read += n
        if self.expected_size is not None and self.bytes_read > self.expected_size:
            raise VerificationError(
                f"{self.what} {self.digest} is larger than the {self.expected_size} bytes its "
                "descriptor declares",
                where=self.where,
            )
        return n

    def _finish(self) -> None:
        if self.expected_size is not None and self.bytes_read != self.expected_size:
            raise VerificationError(
                f"{self.what} {self.digest} has {self.bytes_read} bytes, its descriptor declares "
                f"{self.expected_size}",
                where=self.where,
            )
        actual = f"{self.digest.partition(':')[0]}:{self._hasher.hexdigest()}"
        if actual != self.digest:
            raise VerificationError(
                f"{self.what} digest mismatch: content is {actual}, expected {self.digest}",
                where=self.where,
            )
        self.verified = True

    def drain(self, chunk: int = 1 << 20) -> None:
        """Read to EOF (verifying) and discard."""
        buffer = bytearray(chunk)
        while self.readinto(buffer):
            pass

    def close(self) -> None:
        if not self.closed:
            try:
                self._raw.close()
            finally:
                super().close()
