"""An rpm header blob as the database stores it (no lead, no magic): a big-endian count of index
entries and of data bytes, the 16-byte index entries (tag, type, offset, count), then the data."""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["RpmHeader", "parse_header"]

NAME, VERSION, RELEASE, EPOCH = 1000, 1001, 1002, 1003
LICENSE, ARCH, SOURCERPM = 1014, 1022, 1044
OLDFILENAMES, DIRINDEXES, BASENAMES, DIRNAMES = 1027, 1116, 1117, 1118
MODULARITYLABEL = 5096

_INT32, _STRING, _BIN, _STRING_ARRAY, _I18NSTRING = 4, 6, 7, 8, 9
_MAX_ENTRIES = 1 << 20
_MAX_DATA = 256 << 20


@dataclass(frozen=True, slots=True)
class RpmHeader:
    name: str
    version: str
    release: str
    epoch: int | None
    arch: str
    source_rpm: str
    license: str
    modularity_label: str
    files: tuple[str, ...]

    @property
    def evr(self) -> str:
        """`[epoch:]version-release`, as rpm compares it."""
        prefix = f"{self.epoch}:" if self.epoch is not None else ""
        return f"{prefix}{self.version}-{self.release}" if self.release else prefix + self.version


def _strings(data: bytes, offset: int, count: int) -> list[str]:
    out = []
    pos = offset
    for _ in range(count):
        end = data.find(b"\0", pos)
        if end < 0:
            raise ValueError("rpm header string runs past the data store")
        out.append(data[pos:end].decode("utf-8", "surrogateescape"))
        pos = end + 1
    return out


def parse_header(blob: bytes) -> RpmHeader:
    """Parse one header blob; raises ValueError if it is malformed or lacks a name/version."""
    if len(blob) < 8:
        raise ValueError("rpm header shorter than its preamble")
    il, dl = struct.unpack_from(">II", blob)
    if il > _MAX_ENTRIES or dl > _MAX_DATA or 8 + 16 * il + dl > len(blob):
        raise ValueError(f"rpm header sizes ({il} entries, {dl} bytes) exceed the blob")
    store = blob[8 + 16 * il : 8 + 16 * il + dl]
    strings: dict[int, list[str]] = {}
    ints: dict[int, list[int]] = {}
    for i in range(il):
        tag, typ, offset, count = struct.unpack_from(">iIiI", blob, 8 + 16 * i)
        if offset < 0 or offset > dl:
            raise ValueError(f"rpm header tag {tag} points outside the data store")
        if typ in (_STRING, _I18NSTRING, _STRING_ARRAY):
            if tag in (NAME, VERSION, RELEASE, ARCH, SOURCERPM, LICENSE, MODULARITYLABEL):
                strings[tag] = _strings(store, offset, 1)
            elif tag in (BASENAMES, DIRNAMES, OLDFILENAMES):
                strings[tag] = _strings(store, offset, count)
        elif typ == _INT32 and tag in (EPOCH, DIRINDEXES):
            if offset + 4 * count > dl:
                raise ValueError(f"rpm header tag {tag} runs past the data store")
            ints[tag] = list(struct.unpack_from(f">{count}i", store, offset))

    def one(tag: int) -> str:
        return strings.get(tag, [""])[0]

    name, version = one(NAME), one(VERSION)
    if not name or not version:
        raise ValueError("rpm header without NAME or VERSION")
    return RpmHeader(
        name=name,
        version=version,
        release=one(RELEASE),
        epoch=ints[EPOCH][0] if ints.get(EPOCH) else None,
        arch=one(ARCH),
        source_rpm=one(SOURCERPM),
        license=one(LICENSE),
        modularity_label=one(MODULARITYLABEL),
        files=_files(strings, ints),
    )


def _files(strings: dict[int, list[str]], ints: dict[int, list[int]]) -> tuple[str, ...]:
    if OLDFILENAMES in strings:
        return tuple(strings[OLDFILENAMES])
    basenames, dirnames = strings.get(BASENAMES, []), strings.get(DIRNAMES, [])
    indexes = ints.get(DIRINDEXES, [])
    if len(indexes) != len(basenames):
        raise ValueError("rpm header file lists of different lengths")
    out = []
    for base, index in zip(basenames, indexes, strict=True):
        if not 0 <= index < len(dirnames):
            raise ValueError("rpm header file directory index out of range")
        out.append(dirnames[index] + base)
    return tuple(out)
