"""A minimal, defensive ELF reader over bytes: section contents by name and virtual-address reads
(for Go's pre-1.18 pointer-format build info). Only what the binary catalogers need; every offset
is bounds-checked and a malformed header raises ValueError."""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["ELF_MAGIC", "ElfFile", "is_elf"]

ELF_MAGIC = b"\x7fELF"
_MAX_HEADERS = 1 << 16


def is_elf(data: bytes) -> bool:
    return data[:4] == ELF_MAGIC


@dataclass(frozen=True, slots=True)
class _Section:
    name_offset: int
    type: int
    addr: int
    offset: int
    size: int


@dataclass(frozen=True, slots=True)
class _Segment:
    type: int
    offset: int
    vaddr: int
    filesz: int
    flags: int


class ElfFile:
    """Parsed ELF headers of `data`; raises ValueError when they are not a valid ELF."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 52 or not is_elf(data):
            raise ValueError("not an ELF file")
        klass, encoding = data[4], data[5]
        if klass not in (1, 2) or encoding not in (1, 2):
            raise ValueError("ELF header with an unknown class or byte order")
        self.data = data
        self.is64 = klass == 2
        self.ptr_size = 8 if self.is64 else 4
        self.endian = "<" if encoding == 1 else ">"
        if self.is64:
            if len(data) < 64:
                raise ValueError("truncated ELF header")
            phoff, shoff = self._unpack("QQ", 32)
            phentsize, phnum, shentsize, shnum, shstrndx = self._unpack("HHHHH", 54)
        else:
            phoff, shoff = self._unpack("II", 28)
            phentsize, phnum, shentsize, shnum, shstrndx = self._unpack("HHHHH", 42)
        self.sections = self._read_sections(shoff, shentsize, shnum)
        self.segments = self._read_segments(phoff, phentsize, phnum)
        self._names = self._section_names(shstrndx)

    def _unpack(self, fmt: str, offset: int) -> tuple[int, ...]:
        full = self.endian + fmt
        end = offset + struct.calcsize(full)
        if offset < 0 or end > len(self.data):
            raise ValueError(f"ELF structure at offset {offset} lies outside the file")
        return struct.unpack_from(full, self.data, offset)

    def _read_sections(self, shoff: int, entsize: int, count: int) -> tuple[_Section, ...]:
        if shoff == 0 or count == 0:
            return ()
        if count > _MAX_HEADERS or entsize < (64 if self.is64 else 40):
            raise ValueError("implausible ELF section header table")
        out = []
        for i in range(count):
            base = shoff + i * entsize
            if self.is64:
                name, typ, _flags, addr, offset, size = self._unpack("IIQQQQ", base)
            else:
                name, typ, _flags, addr, offset, size = self._unpack("IIIIII", base)
            out.append(_Section(name, typ, addr, offset, size))
        return tuple(out)

    def _read_segments(self, phoff: int, entsize: int, count: int) -> tuple[_Segment, ...]:
        if phoff == 0 or count == 0:
            return ()
        if count > _MAX_HEADERS or entsize < (56 if self.is64 else 32):
            raise ValueError("implausible ELF program header table")
        out = []
        for i in range(count):
            base = phoff + i * entsize
            if self.is64:
                typ, flags, offset, vaddr, _paddr, filesz = self._unpack("IIQQQQ", base)
            else:
                typ, offset, vaddr, _paddr, filesz, _memsz, flags = self._unpack("IIIIIII", base)
            out.append(_Segment(typ, offset, vaddr, filesz, flags))
        return tuple(out)

    def _section_names(self, shstrndx: int) -> dict[str, _Section]:
        if not self.sections or shstrndx >= len(self.sections):
            return {}
        strtab = self.sections[shstrndx]
        table = self.data[strtab.offset : strtab.offset + strtab.size]
        names: dict[str, _Section] = {}
        for section in self.sections:
            end = table.find(b"\0", section.name_offset)
            if end < 0:
                continue
            name = table[section.name_offset : end].decode("ascii", "replace")
            names.setdefault(name, section)
        return names

    def section(self, name: str) -> bytes | None:
        """The file contents of the named section, or None (absent or SHT_NOBITS)."""
        section = self._names.get(name)
        if section is None or section.type == 8:  # SHT_NOBITS has no file contents
            return None
        end = section.offset + section.size
        if end > len(self.data):
            raise ValueError(f"ELF section {name} lies outside the file")
        return self.data[section.offset : end]

    def section_offset(self, name: str) -> int | None:
        section = self._names.get(name)
        return None if section is None else section.offset

    def read_at(self, vaddr: int, size: int) -> bytes:
        """`size` bytes at virtual address `vaddr` (from a PT_LOAD segment or a section)."""
        for seg in self.segments:
            if seg.type == 1 and seg.vaddr <= vaddr and vaddr + size <= seg.vaddr + seg.filesz:
                return self._slice(seg.offset + vaddr - seg.vaddr, size)
        for sec in self.sections:
            if (
                sec.type != 8
                and sec.addr
                and sec.addr <= vaddr
                and vaddr + size <= sec.addr + sec.size
            ):
                return self._slice(sec.offset + vaddr - sec.addr, size)
        raise ValueError(f"virtual address {vaddr:#x} is not mapped from the file")

    def _slice(self, offset: int, size: int) -> bytes:
        if offset < 0 or size < 0 or offset + size > len(self.data):
            raise ValueError(f"read at offset {offset} lies outside the file")
        return self.data[offset : offset + size]

    def uint(self, raw: bytes) -> int:
        return int.from_bytes(raw, "little" if self.endian == "<" else "big")
