"""Go build info in an ELF executable, as `go version -m` reads it (debug/buildinfo): the
`\\xff Go buildinf:` header in `.go.buildinfo` (or the first writable segment), in the 1.18+ inline
varint format or the older pointer format, then the module text (`path`, `mod`, `dep`, `=>`,
`build` lines)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from caulk.catalog.elf import ElfFile

__all__ = ["GoBuildInfo", "GoModule", "parse_modinfo", "read_buildinfo"]

MAGIC = b"\xff Go buildinf:"
_HEADER = 32
_ALIGN = 16
_SEARCH = 64 * 1024  # Go looks only at the first 64 KiB of the data segment
_MAX_STRING = 8 << 20
_GO_SECTIONS = (".gopclntab", ".note.go.buildid", ".go.buildinfo")


@dataclass(frozen=True, slots=True)
class GoModule:
    path: str
    version: str
    sum: str = ""
    replace: GoModule | None = None


@dataclass(frozen=True, slots=True)
class GoBuildInfo:
    go_version: str  # "go1.21.3"
    path: str = ""  # main package path
    main: GoModule | None = None
    deps: tuple[GoModule, ...] = ()
    settings: tuple[tuple[str, str], ...] = ()


def _uvarint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while pos < len(data) and shift < 64:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
    raise ValueError("garbled Go build info: bad varint")


def _inline_string(data: bytes, pos: int) -> tuple[bytes, int]:
    length, pos = _uvarint(data, pos)
    if length > _MAX_STRING or pos + length > len(data):
        raise ValueError("garbled Go build info: string runs past the header")
    return data[pos : pos + length], pos + length


def _pointer_string(elf: ElfFile, ptr_size: int, big: bool, address: int) -> bytes:
    order: Literal["big", "little"] = "big" if big else "little"
    header = elf.read_at(address, 2 * ptr_size)
    data_addr = int.from_bytes(header[:ptr_size], order)
    length = int.from_bytes(header[ptr_size:], order)
    if length > _MAX_STRING:
        raise ValueError("garbled Go build info: implausible string length")
    return elf.read_at(data_addr, length) if length else b""


def _find_header(elf: ElfFile) -> bytes | None:
    area = elf.section(".go.buildinfo")
    if area is None:
        # like Go: the start of the first writable PT_LOAD segment
        writable = [s for s in elf.segments if s.type == 1 and s.flags & 2 and s.filesz]
        candidates = [elf.data[s.offset : s.offset + min(s.filesz, _SEARCH)] for s in writable[:1]]
    else:
        candidates = [area[:_SEARCH]]
    for data in candidates:
        start = 0
        while True:
            i = data.find(MAGIC, start)
            if i < 0 or len(data) - i < _HEADER:
                break
            if i % _ALIGN == 0:
                return data[i:]
            start = i + 1
    return None


def read_buildinfo(data: bytes) -> tuple[str, str] | None:
    """(Go version, module text) of an ELF Go executable; None if it is not a Go binary.
    Raises ValueError when the build info is present but garbled."""
    elf = ElfFile(data)
    header = _find_header(elf)
    if header is None:
        if any(elf.section_offset(name) is not None for name in _GO_SECTIONS):
            raise ValueError("Go binary without build info (removed, or built by Go < 1.13)")
        return None
    ptr_size, flags = header[14], header[15]
    if flags & 2:
        version, pos = _inline_string(header, _HEADER)
        mod, _ = _inline_string(header, pos)
    else:
        if ptr_size not in (4, 8):
            raise ValueError(f"garbled Go build info: pointer size {ptr_size}")
        big = bool(flags & 1)
        order: Literal["big", "little"] = "big" if big else "little"
        version_ptr = int.from_bytes(header[16 : 16 + ptr_size], order)
        mod_ptr = int.from_bytes(header[16 + ptr_size : 16 + 2 * ptr_size], order)
        version = _pointer_string(elf, ptr_size, big, version_ptr)
        mod = _pointer_string(elf, ptr_size, big, mod_ptr)
    if not version:
        raise ValueError("Go build info without a Go version")
    # strip the 16-byte sentinels framing the module text
    mod = mod[16:-16] if len(mod) >= 33 and mod[-17] == 0x0A else b""
    try:
        return version.decode("utf-8"), mod.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("garbled Go build info: not UTF-8") from None


def _module(fields: list[str], line: str) -> GoModule:
    if len(fields) < 2 or not fields[1]:
        raise ValueError(f"garbled Go module line {line[:80]!r}")
    version = fields[2] if len(fields) > 2 else ""
    return GoModule(path=fields[1], version=version, sum=fields[3] if len(fields) > 3 else "")


def parse_modinfo(go_version: str, text: str) -> GoBuildInfo:
    """Parse the module text of `go version -m` (tab-separated lines)."""
    path = ""
    main: GoModule | None = None
    deps: list[GoModule] = []
    settings: list[tuple[str, str]] = []
    last: str | None = None  # "mod" or "dep": what a `=>` line replaces
    for line in text.splitlines():
        if not line:
            continue
        fields = line.split("\t")
        kind = fields[0]
        if kind == "path":
            path = fields[1] if len(fields) > 1 else ""
        elif kind == "mod":
            main, last = _module(fields, line), "mod"
        elif kind == "dep":
            deps.append(_module(fields, line))
            last = "dep"
        elif kind == "=>":
            replacement = _module(fields, line)
            if last == "dep":
                deps[-1] = GoModule(deps[-1].path, deps[-1].version, deps[-1].sum, replacement)
            elif last == "mod" and main is not None:
                main = GoModule(main.path, main.version, main.sum, replacement)
            else:
                raise ValueError("garbled Go build info: replacement without a module")
            last = None
        elif kind == "build" and len(fields) > 1:
            key, _, value = fields[1].partition("=")
            settings.append((key, value))
    return GoBuildInfo(go_version, path, main, tuple(deps), tuple(settings))
