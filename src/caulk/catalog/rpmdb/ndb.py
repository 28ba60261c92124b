"""rpm's NDB `Packages.db` (SUSE): a 32-byte header (magic `RpmP`, version, generation, number of
slot pages), slot entries (magic `Slot`, package index, block offset, block count) filling the
slot pages, and blobs (magic `BlbS`, package index, checksum, length) at 16-byte block offsets.
All little-endian, as rpm writes it on the usual hosts."""

from __future__ import annotations

import struct
from collections.abc import Iterator

__all__ = ["NDB_MAGIC", "read_ndb"]

NDB_MAGIC = b"RpmP"
_SLOT_MAGIC = b"Slot"
_BLOB_MAGIC = b"BlbS"
_PAGE = 4096
_SLOT = 16
_BLOCK = 16
_MAX_SLOT_PAGES = 2048


def read_ndb(data: bytes) -> Iterator[bytes]:
    """Every header blob, in slot order; raises ValueError on a malformed database."""
    if len(data) < 32 or data[:4] != NDB_MAGIC:
        raise ValueError("not an rpm NDB database")
    version, _generation, slot_pages = struct.unpack_from("<III", data, 4)
    if version != 0:
        raise ValueError(f"rpm NDB database version {version} is not supported")
    if not 0 < slot_pages <= _MAX_SLOT_PAGES or slot_pages * _PAGE > len(data):
        raise ValueError(f"rpm NDB database with {slot_pages} slot pages")
    end = slot_pages * _PAGE
    for pos in range(32, end, _SLOT):  # the header takes the first two slots
        magic, index, block, _blocks = struct.unpack_from("<4sIII", data, pos)
        if magic != _SLOT_MAGIC:
            raise ValueError(f"rpm NDB slot at offset {pos} has a bad magic")
        if index == 0:
            continue
        start = block * _BLOCK
        if start + 16 > len(data):
            raise ValueError(f"rpm NDB blob of package {index} lies outside the file")
        bmagic, bindex, _checksum, length = struct.unpack_from("<4sIII", data, start)
        if bmagic != _BLOB_MAGIC or bindex != index:
            raise ValueError(f"rpm NDB blob of package {index} is damaged")
        if start + 16 + length > len(data):
            raise ValueError(f"rpm NDB blob of package {index} is truncated")
        yield data[start + 16 : start + 16 + length]
