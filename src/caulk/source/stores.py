"""Blob stores: an OCI layout directory, and members of an uncompressed tar archive (random access
through the members' data offsets, one shared file descriptor read with `pread`)."""

from __future__ import annotations

import io
import logging
import os
import tarfile
from pathlib import Path
from typing import BinaryIO, cast

from caulk.errors import ImageFormatError, OperationalError
from caulk.source.interface import Descriptor
from caulk.source.verify import check_digest

__all__ = ["LayoutStore", "TarArchive", "TarSection"]

log = logging.getLogger(__name__)

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def blob_relpath(digest: str) -> str:
    algo, _, hexd = digest.partition(":")
    return f"blobs/{algo}/{hexd}"


class LayoutStore:
    """Blobs of an OCI image layout directory: `DIR/blobs/<algo>/<hex>`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._open: list[BinaryIO] = []

    def locate(self, digest: str) -> str:
        return str(self.root / blob_relpath(digest))

    def path_of(self, digest: str) -> Path:
        return self.root / blob_relpath(check_digest(digest, where=str(self.root)))

    def open_raw(self, descriptor: Descriptor) -> BinaryIO:
        path = self.path_of(descriptor.digest)
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed by the reader or by close()
        except FileNotFoundError:
            raise ImageFormatError(
                f"blob {descriptor.digest} is missing from the layout", where=str(path)
            ) from None
        except OSError as exc:
            raise OperationalError(f"cannot read blob: {exc.strerror}", where=str(path)) from None
        self._open = [h for h in self._open if not h.closed]
        self._open.append(handle)
        return handle

    def read_file(self, name: str) -> bytes:
        path = self.root / name
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise ImageFormatError(f"{name} is missing", where=str(path)) from None
        except OSError as exc:
            raise OperationalError(f"cannot read: {exc.strerror}", where=str(path)) from None

    def close(self) -> None:
        for handle in self._open:
            handle.close()
        self._open.clear()


class TarSection(io.RawIOBase):
    """A read-only window [offset, offset+size) of a file descriptor, read with pread."""

    def __init__(self, fd: int, offset: int, size: int) -> None:
        super().__init__()
        self._fd, self._start, self._size, self._pos = fd, offset, size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self._size - self._pos)
        if want <= 0:
            return 0
        data = os.pread(self._fd, want, self._start + self._pos)
        n = len(data)
        memoryview(buffer)[:n] = data
        self._pos += n
        return n


class TarArchive:
    """An uncompressed tar opened for random access to its members by name ("./" stripped)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            raise ImageFormatError("archive not found", where=str(path)) from None
        except OSError as exc:
            raise OperationalError(
                f"cannot open archive: {exc.strerror}", where=str(path)
            ) from None
        try:
            self.members = self._index()
        except BaseException:
            os.close(self._fd)
            raise

    def _index(self) -> dict[str, tuple[int, int]]:
        head = os.pread(self._fd, 4, 0)
        if head.startswith(_GZIP_MAGIC) or head.startswith(_ZSTD_MAGIC):
            raise ImageFormatError(
                "compressed archive is not supported: decompress it first (e.g. gunzip)",
                where=str(self.path),
            )
        members: dict[str, tuple[int, int]] = {}
        raw = os.fdopen(os.dup(self._fd), "rb")
        try:
            with tarfile.open(fileobj=raw, mode="r:") as tar:
                for info in tar:
                    name = info.name.removeprefix("./").rstrip("/")
                    if info.isreg():
                        members[name] = (info.offset_data, info.size)
        except tarfile.TarError as exc:
            raise ImageFormatError(
                f"not a readable tar archive ({exc})", where=str(self.path)
            ) from None
        finally:
            raw.close()
        size = os.fstat(self._fd).st_size
        for name, (offset, length) in members.items():
            if offset + length > size:
                raise ImageFormatError(f"member {name} is truncated", where=str(self.path))
        log.debug("%s: %d members", self.path, len(members))
        return members

    def locate(self, digest: str) -> str:
        return f"{self.path}:{blob_relpath(digest)}"

    def has(self, name: str) -> bool:
        return name in self.members

    def open_member(self, name: str) -> BinaryIO:
        try:
            offset, size = self.members[name]
        except KeyError:
            raise ImageFormatError(f"member {name} is missing", where=str(self.path)) from None
        return cast(BinaryIO, TarSection(self._fd, offset, size))

    def read_member(self, name: str) -> bytes:
        with self.open_member(name) as stream:
            return stream.read()

    def member_size(self, name: str) -> int:
        return self.members[name][1]

    def peek(self, name: str, n: int) -> bytes:
        offset, size = self.members[name]
        return os.pread(self._fd, min(n, size), offset)

    def open_raw(self, descriptor: Descriptor) -> BinaryIO:
        """BlobStore protocol for an OCI layout inside the tar."""
        name = blob_relpath(check_digest(descriptor.digest, where=str(self.path)))
        if name not in self.members:
            raise ImageFormatError(
                f"blob {descriptor.digest} is missing from the archive", where=str(self.path)
            )
        return self.open_member(name)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
