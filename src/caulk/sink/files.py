"""Atomic files and deterministic tars for the sink.

`atomic_file(path)` yields a temporary file in the destination's directory, renamed over `path`
only when the block succeeds (removed otherwise). It is a `caulk.localfiles.temp_path`: one a
killed run leaves behind is recognised and removed by the next run writing to that directory.
`DeterministicTar` writes members with fixed
headers (mtime 0, uid/gid 0, no user names, GNU format so every header is one 512-byte block) and
can stream a member whose size is only known at the end (it patches the header afterwards)."""

from __future__ import annotations

import contextlib
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from caulk.errors import OperationalError
from caulk.localfiles import temp_path

__all__ = ["DeterministicTar", "atomic_file", "copy_stream"]

_CHUNK = 1 << 20


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    parent = path.parent
    with contextlib.ExitStack() as stack:
        try:
            parent.mkdir(parents=True, exist_ok=True)
            tmp = stack.enter_context(temp_path(parent, path.name))
        except OSError as exc:
            raise OperationalError(f"cannot write: {exc.strerror}", where=str(path)) from None
        with os.fdopen(os.dup(tmp.fd), "w+b") as handle:
            yield handle
        os.fchmod(tmp.fd, 0o644)
        tmp.path.replace(path)


def copy_stream(src: BinaryIO, dst: BinaryIO) -> int:
    total = 0
    while chunk := src.read(_CHUNK):
        dst.write(chunk)
        total += len(chunk)
    return total


class DeterministicTar:
    """Members are written in the order given: callers pass them sorted."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out

    @staticmethod
    def _header(name: str, size: int, kind: bytes = tarfile.REGTYPE) -> bytes:
        info = tarfile.TarInfo(name)
        info.type = kind
        info.size = size
        info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
        info.mtime = 0
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info.tobuf(tarfile.GNU_FORMAT, "utf-8", "strict")

    def _pad(self, size: int) -> None:
        if size % tarfile.BLOCKSIZE:
            self._out.write(b"\0" * (tarfile.BLOCKSIZE - size % tarfile.BLOCKSIZE))

    def add_dir(self, name: str) -> None:
        self._out.write(self._header(name.rstrip("/") + "/", 0, tarfile.DIRTYPE))

    def add_bytes(self, name: str, data: bytes) -> None:
        self._out.write(self._header(name, len(data)))
        self._out.write(data)
        self._pad(len(data))

    def add_stream(self, name: str, stream: BinaryIO) -> int:
        """Stream a member of unknown size: placeholder header, data, then the real header."""
        start = self._out.tell()
        placeholder = self._header(name, 0)
        self._out.write(placeholder)
        size = copy_stream(stream, self._out)
        self._pad(size)
        end = self._out.tell()
        header = self._header(name, size)
        if len(header) != len(placeholder):  # only with names > 100 chars; never for ours
            raise OperationalError(f"tar member name too long: {name}")
        self._out.seek(start)
        self._out.write(header)
        self._out.seek(end)
        return size

    def finish(self) -> None:
        self._out.write(b"\0" * (2 * tarfile.BLOCKSIZE))
        self._pad_record()

    def _pad_record(self) -> None:
        remainder = self._out.tell() % tarfile.RECORDSIZE
        if remainder:
            self._out.write(b"\0" * (tarfile.RECORDSIZE - remainder))
