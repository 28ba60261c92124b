"""A small, strict, streaming tar header reader (ustar, GNU, PAX, v7).

It reads the uncompressed layer stream once, front to back, in large chunks, and yields one
`Member` per archive member with PAX and GNU long names/links already applied. Member data is
either skipped or handed out once (`Member.read_data`). Errors are `ImageFormatError` naming
`where` and the member; the caller decides what a missing end-of-archive trailer means.
"""

from __future__ import annotations

import logging
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from caulk.errors import ImageFormatError, UnsafeContentError

__all__ = ["BLOCK", "Member", "TarStream"]

log = logging.getLogger(__name__)

BLOCK = 512
_CHUNK = 1 << 20
_ZERO_BLOCK = bytes(BLOCK)
_MAX_META = 1 << 20  # PAX / GNU long-name payloads larger than this are hostile
_MAX_SIZE = 1 << 43  # 8 TiB: no layer member is larger; bigger claims are hostile


@dataclass(slots=True)
class Member:
    """One archive member as stored (names are raw bytes; PAX/GNU extensions applied)."""

    name: bytes
    linkname: bytes
    typeflag: bytes
    mode: int
    uid: int
    gid: int
    size: int  # bytes of data that follow in the archive
    mtime: int
    uname: bytes
    gname: bytes
    offset: int  # byte offset of the member's header in the stream
    capability: bytes = b""  # raw `security.capability` xattr (PAX SCHILY.xattr.…), if any


class TarStream:
    """Iterate members of an uncompressed tar stream. After iteration, `trailer` says whether
    the end-of-archive marker was seen and `size` counts every byte read (drained to EOF)."""

    def __init__(self, stream: BinaryIO, *, where: str) -> None:
        self._stream = stream
        self._where = where
        self._buf = b""
        self._pos = 0
        self._consumed = 0  # bytes of the stream before self._buf[0]
        self._eof = False
        self._pending = 0  # data bytes (incl. padding) of the current member not yet consumed
        self._pad = 0  # how many of those are padding
        self.trailer = False
        self.size = 0

    # ------------------------------------------------------------------ low-level reading

    @property
    def offset(self) -> int:
        return self._consumed + self._pos

    def _fill(self, n: int) -> bool:
        """Make at least n bytes available in the buffer; False if the stream ends first."""
        avail = len(self._buf) - self._pos
        if avail >= n:
            return True
        parts = [self._buf[self._pos :]] if avail else []
        self._consumed += self._pos
        while avail < n and not self._eof:
            chunk = self._stream.read(max(_CHUNK, n - avail))
            if not chunk:
                self._eof = True
                break
            parts.append(chunk)
            avail += len(chunk)
        self._buf = b"".join(parts) if len(parts) != 1 else parts[0]
        self._pos = 0
        return avail >= n

    def _take(self, n: int) -> bytes | None:
        if not self._fill(n):
            return None
        data = self._buf[self._pos : self._pos + n]
        self._pos += n
        return data

    def _skip(self, n: int, member: bytes, padding: int) -> None:
        """Consume n bytes, the last `padding` of which pad the member to a block. A stream
        that ends inside that padding (a writer that never closed the archive, like Debian's
        `umoci insert`) is not truncated: it just lacks the end-of-archive trailer."""
        avail = len(self._buf) - self._pos
        if n <= avail:
            self._pos += n
            return
        n -= avail
        self._consumed += len(self._buf)
        self._buf, self._pos = b"", 0
        readinto = getattr(self._stream, "readinto", None)
        scratch = memoryview(bytearray(min(n, _CHUNK)))
        while n > 0:
            want = min(n, len(scratch))
            got = readinto(scratch[:want]) if readinto else len(self._stream.read(want))
            if not got:
                self._eof = True
                if n <= padding:
                    return
                raise self._truncated(member)
            n -= got
            self._consumed += got

    def _truncated(self, member: bytes) -> ImageFormatError:
        name = member.decode("utf-8", "surrogateescape")
        return ImageFormatError(
            f"layer tar is truncated: member {name!r} claims more data than the stream holds",
            where=self._where,
        )

    def read_data(self, member: Member) -> bytes:
        """The member's data (call at most once, before advancing)."""
        data = self._take(member.size)
        if data is None:
            raise self._truncated(member.name)
        self._skip(self._pending - member.size, member.name, self._pad)
        self._pending = 0
        return data

    def _drain(self) -> None:
        while self._fill(_CHUNK):
            self._consumed += len(self._buf)
            self._buf, self._pos = b"", 0
        self._consumed += len(self._buf)
        self._buf, self._pos = b"", 0
        self.size = self._consumed

    # ------------------------------------------------------------------ members

    def __iter__(self) -> Iterator[Member]:
        pax_global: dict[bytes, bytes] = {}
        pax: dict[bytes, bytes] = {}
        long_name: bytes | None = None
        long_link: bytes | None = None
        current = b""
        while True:
            if self._pending:
                self._skip(self._pending, current, self._pad)
                self._pending = 0
            offset = self.offset
            block = self._take(BLOCK)
            if block is None:
                if len(self._buf) - self._pos:  # a partial header block
                    raise ImageFormatError(
                        f"layer tar is truncated inside a header at byte {offset}",
                        where=self._where,
                    )
                break  # clean EOF without a trailer
            if block == _ZERO_BLOCK:
                nxt = self._take(BLOCK)
                if nxt is None or nxt == _ZERO_BLOCK:
                    self.trailer = True
                    break
                raise ImageFormatError(
                    f"garbage after an empty tar block at byte {offset}", where=self._where
                )
            hdr = self._parse(block, offset)
            typeflag = hdr.typeflag
            if typeflag in (b"x", b"g", b"L", b"K"):
                if not 0 <= hdr.size <= _MAX_META:
                    raise UnsafeContentError(
                        f"tar extension header at byte {offset} claims {hdr.size} bytes",
                        where=self._where,
                    )
                self._pending = _padded(hdr.size)
                self._pad = self._pending - hdr.size
                payload = self.read_data(hdr)
                if typeflag == b"x":
                    pax.update(self._pax(payload, offset))
                elif typeflag == b"g":
                    pax_global.update(self._pax(payload, offset))
                elif typeflag == b"L":
                    long_name = payload.split(b"\0", 1)[0]
                else:
                    long_link = payload.split(b"\0", 1)[0]
                continue
            records = {**pax_global, **pax} if pax_global else pax
            if long_name is not None:
                hdr.name = long_name
            if long_link is not None:
                hdr.linkname = long_link
            if records:
                self._apply_pax(hdr, records)
            pax, long_name, long_link = {}, None, None
            if hdr.size < 0:
                raise ImageFormatError(
                    f"negative size for member {_show(hdr.name)}", where=self._where
                )
            if hdr.size > _MAX_SIZE:
                raise UnsafeContentError(
                    f"member {_show(hdr.name)} claims an absurd size of {hdr.size} bytes",
                    where=self._where,
                )
            self._pending = _padded(hdr.size) if _has_data(hdr.typeflag) else 0
            self._pad = self._pending - hdr.size if self._pending else 0
            if not _has_data(hdr.typeflag):
                hdr.size = 0
            current = hdr.name
            yield hdr
        self._drain()

    def _parse(self, block: bytes, offset: int) -> Member:
        (name, mode, uid, gid, size, mtime, chksum, typeflag, linkname, magic, _version, uname,
         gname, _major, _minor, prefix) = _HEADER.unpack(block)  # fmt: skip
        stored = _number(chksum)
        if stored is None or not _checksum_ok(block, stored):
            raise ImageFormatError(
                f"not a tar header at byte {offset} (bad checksum): corrupt or not a tar",
                where=self._where,
            )
        name = name.partition(b"\0")[0]
        if magic == b"ustar\x00" and prefix[0]:
            name = prefix.partition(b"\0")[0] + b"/" + name
        fields = (_number(mode), _number(uid), _number(gid), _number(size), _number(mtime))
        if None in fields:
            raise ImageFormatError(
                f"garbage in the tar header of {_show(name)} at byte {offset}", where=self._where
            )
        return Member(
            name,
            linkname.partition(b"\0")[0],
            typeflag,
            *fields,  # type: ignore[arg-type]
            uname.partition(b"\0")[0],
            gname.partition(b"\0")[0],
            offset,
        )

    def _pax(self, payload: bytes, offset: int) -> dict[bytes, bytes]:
        records: dict[bytes, bytes] = {}
        pos = 0
        while pos < len(payload):
            if payload[pos] == 0:  # some writers pad with NULs
                break
            space = payload.find(b" ", pos)
            try:
                length = int(payload[pos:space]) if space > pos else -1
            except ValueError:
                length = -1
            end = pos + length
            if length <= 0 or end > len(payload) or payload[end - 1 : end] != b"\n":
                raise ImageFormatError(f"malformed PAX header at byte {offset}", where=self._where)
            key, sep, value = payload[space + 1 : end - 1].partition(b"=")
            if not sep:
                raise ImageFormatError(f"malformed PAX record at byte {offset}", where=self._where)
            records[key] = value
            pos = end
        return records

    def _apply_pax(self, hdr: Member, records: dict[bytes, bytes]) -> None:
        try:
            for key, value in records.items():
                if key == b"path":
                    hdr.name = value
                elif key == b"linkpath":
                    hdr.linkname = value
                elif key == b"size":
                    hdr.size = int(value)
                elif key == b"uid":
                    hdr.uid = int(value)
                elif key == b"gid":
                    hdr.gid = int(value)
                elif key == b"mtime":
                    hdr.mtime = int(float(value))
                elif key == b"uname":
                    hdr.uname = value
                elif key == b"gname":
                    hdr.gname = value
                elif key == _CAPABILITY:
                    hdr.capability = value
        except (ValueError, OverflowError):
            raise ImageFormatError(
                f"malformed PAX value for member {_show(hdr.name)}", where=self._where
            ) from None


_CAPABILITY = b"SCHILY.xattr.security.capability"
_HEADER = struct.Struct("100s8s8s8s12s12s8sc100s6s2s32s32s8s8s155s12x")
_DATA_LESS = frozenset((b"1", b"2", b"3", b"4", b"5", b"6"))


def _has_data(typeflag: bytes) -> bool:
    return typeflag not in _DATA_LESS


def _padded(size: int) -> int:
    return size + (-size % BLOCK)


def _show(name: bytes) -> str:
    return repr(name.decode("utf-8", "surrogateescape"))


def _number(field: bytes) -> int | None:
    """An octal (NUL/space padded) or base-256 numeric header field; None when garbage."""
    if field and field[0] & 0x80:
        value = field[0] & 0x3F
        for byte in field[1:]:
            value = (value << 8) | byte
        return -value if field[0] & 0x40 else value
    text = field.strip(b" \0")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        return None


def _byte_sum(data: bytes) -> int:
    """Sum of the bytes of `data` (at most 256 bytes) at C speed: Adler-32's low half is
    1 + sum mod 65521, and 256 * 255 < 65521."""
    return (zlib.adler32(data) & 0xFFFF) - 1


def _checksum_ok(block: bytes, stored: int) -> bool:
    """Unsigned (or, for old writers, signed) header checksum, chksum field counted as spaces."""
    unsigned = _byte_sum(block[:148]) + _byte_sum(block[156:356]) + _byte_sum(block[356:]) + 8 * 32
    if stored == unsigned:
        return True
    high = sum(b for b in block if b > 127) - sum(b for b in block[148:156] if b > 127)
    return stored == unsigned - 2 * high
