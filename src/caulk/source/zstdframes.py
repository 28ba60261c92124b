"""Track zstd frame boundaries in a compressed stream, to detect truncation.

`zstandard`'s stream reader returns a clean EOF when its input stops in the middle of a frame, so
caulk follows the frame and block headers of the bytes passing by (a few bytes per 128 KiB block)
and, at EOF, knows whether the last frame was complete.
"""

from __future__ import annotations

import io
from typing import BinaryIO

__all__ = ["FrameTracker"]

_ZSTD_MAGIC = 0xFD2FB528
_SKIPPABLE_MASK = 0xFFFFFFF0
_SKIPPABLE_MAGIC = 0x184D2A50


class FrameTracker(io.RawIOBase):
    """Passes bytes through unchanged; `complete` is True when the stream so far ends exactly at a
    frame boundary. `error` is set when the headers are not zstd at all."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._need = 4  # bytes wanted by the current state
        self._state = "magic"
        self._buf = bytearray()
        self._skip = 0  # payload bytes to pass without parsing
        self._checksum = False
        self.frames = 0
        self.error: str | None = None

    @property
    def complete(self) -> bool:
        return self._state == "magic" and not self._buf and self._skip == 0 and self.frames > 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        data = self._raw.read(len(view))
        n = len(data)
        view[:n] = data
        if n and self.error is None:
            self._feed(memoryview(data))
        return n

    def _feed(self, data: memoryview) -> None:
        pos = 0
        while pos < len(data) and self.error is None:
            if self._skip:
                step = min(self._skip, len(data) - pos)
                self._skip -= step
                pos += step
                continue
            take = min(self._need - len(self._buf), len(data) - pos)
            self._buf += data[pos : pos + take]
            pos += take
            if len(self._buf) == self._need:
                head = bytes(self._buf)
                self._buf.clear()
                self._step(head)

    def _step(self, head: bytes) -> None:
        state = self._state
        if state == "magic":
            magic = int.from_bytes(head, "little")
            if magic == _ZSTD_MAGIC:
                self._state, self._need = "fhd", 1
            elif magic & _SKIPPABLE_MASK == _SKIPPABLE_MAGIC:
                self._state, self._need = "skipsize", 4
            else:
                self.error = "not zstd data"
        elif state == "skipsize":
            self._skip = int.from_bytes(head, "little")
            self._state, self._need = "magic", 4
            self.frames += 1
        elif state == "fhd":
            fhd = head[0]
            fcs_flag, single, checksum, did_flag = fhd >> 6, (fhd >> 5) & 1, (fhd >> 2) & 1, fhd & 3
            self._checksum = bool(checksum)
            size = (0 if single else 1) + (0, 1, 2, 4)[did_flag]
            size += (1 if single else 0, 2, 4, 8)[fcs_flag]
            self._state = "block"
            self._need = 3
            if size:
                self._skip = size
        elif state == "block":
            header = int.from_bytes(head, "little")
            last, kind, size = header & 1, (header >> 1) & 3, header >> 3
            if kind == 3:
                self.error = "reserved zstd block type"
                return
            self._skip = 1 if kind == 1 else size
            if last:
                self.frames += 1
                if self._checksum:
                    self._skip += 4
                self._state, self._need = "magic", 4

    def close(self) -> None:
        if not self.closed:
            try:
                self._raw.close()
            finally:
                super().close()
