"""Berkeley DB `Packages` (rpm ≤ 4.15, RHEL ≤ 8, CentOS, Amazon Linux 2): enough of the on-disk
format to read every stored value. The metadata page gives the page size and byte order; hash
pages (types 2 and 13) and btree leaf pages (type 5) hold key/value index pairs whose values are
inline (type 1) or chains of overflow pages (type 3, read through `next_pgno` with the per-page
length in `hf_offset`). Keys are 4-byte package numbers; the 4-byte value under key 0 (rpm's
next-instance counter) is not a header and is skipped."""

from __future__ import annotations

import struct
from collections.abc import Iterator

__all__ = ["read_bdb"]

_HASH_MAGIC = 0x061561
_BTREE_MAGIC = 0x053162
_HASH_PAGES = {2, 13}  # P_HASH_UNSORTED, P_HASH
_BTREE_LEAF = 5  # P_LBTREE
_OVERFLOW_PAGE = 7  # P_OVERFLOW
_KEYDATA, _OFFPAGE = 1, 3
_PAGE_HEADER = 26
_MIN_HEADER = 16


class _Db:
    def __init__(self, data: bytes) -> None:
        if len(data) < 512:
            raise ValueError("Berkeley DB file shorter than its metadata page")
        for endian in ("<", ">"):
            (magic,) = struct.unpack_from(endian + "I", data, 12)
            if magic in (_HASH_MAGIC, _BTREE_MAGIC):
                break
        else:
            raise ValueError("not a Berkeley DB hash or btree database")
        self.data = data
        self.endian = endian
        (self.page_size,) = struct.unpack_from(endian + "I", data, 20)
        (self.last_page,) = struct.unpack_from(endian + "I", data, 32)
        if self.page_size < 512 or self.page_size > 65536 or self.page_size & (self.page_size - 1):
            raise ValueError(f"Berkeley DB with an invalid page size {self.page_size}")
        if data[24] != 0:
            raise ValueError("encrypted Berkeley DB")
        if (self.last_page + 1) * self.page_size > len(data):
            raise ValueError("Berkeley DB file is truncated")

    def page(self, number: int) -> bytes:
        if number > self.last_page:
            raise ValueError(f"Berkeley DB page {number} is past the last page")
        start = number * self.page_size
        return self.data[start : start + self.page_size]

    def header(self, page: bytes) -> tuple[int, int, int, int]:
        """(next page, entries, hf_offset, page type)."""
        (next_page,) = struct.unpack_from(self.endian + "I", page, 16)
        entries, offset = struct.unpack_from(self.endian + "HH", page, 20)
        return next_page, entries, offset, page[25]

    def overflow(self, first: int, total: int) -> bytes:
        out = bytearray()
        number, seen = first, set()
        while number:
            if number in seen:
                raise ValueError("Berkeley DB overflow chain loops")
            seen.add(number)
            page = self.page(number)
            next_page, _entries, length, ptype = self.header(page)
            if ptype != _OVERFLOW_PAGE or _PAGE_HEADER + length > self.page_size:
                raise ValueError(f"Berkeley DB overflow page {number} is damaged")
            out += page[_PAGE_HEADER : _PAGE_HEADER + length]
            number = next_page
            if len(out) > total:
                break
        if len(out) < total:
            raise ValueError("Berkeley DB overflow chain is shorter than its item")
        return bytes(out[:total])

    def values(self, page: bytes, entries: int, btree: bool) -> Iterator[bytes]:
        if entries % 2:
            raise ValueError("Berkeley DB page with an odd number of key/value items")
        if _PAGE_HEADER + 2 * entries > self.page_size:
            raise ValueError("Berkeley DB page index overflows the page")
        offsets = struct.unpack_from(f"{self.endian}{entries}H", page, _PAGE_HEADER)
        for i in range(1, entries, 2):
            start = offsets[i]
            if start >= self.page_size:
                raise ValueError("Berkeley DB item offset outside the page")
            kind = page[start + (2 if btree else 0)] & 0x7F  # btree: length first, then type
            if kind == _OFFPAGE:
                pgno, total = struct.unpack_from(self.endian + "II", page, start + 4)
                yield self.overflow(pgno, total)
            elif kind == _KEYDATA:
                if btree:
                    (length,) = struct.unpack_from(self.endian + "H", page, start)
                    yield page[start + 3 : start + 3 + length]
                else:
                    end = offsets[i - 1] if i else self.page_size
                    yield page[start + 1 : end]


def read_bdb(data: bytes) -> Iterator[bytes]:
    """Every stored value that can be an rpm header, in page order; raises ValueError on a
    malformed database."""
    db = _Db(data)
    for number in range(1, db.last_page + 1):
        page = db.page(number)
        _next, entries, _offset, ptype = db.header(page)
        if ptype in _HASH_PAGES or ptype == _BTREE_LEAF:
            for value in db.values(page, entries, btree=ptype == _BTREE_LEAF):
                if len(value) >= _MIN_HEADER:
                    yield value
