"""`caulk.catalog.elfdeps` on bad input and on what the analyzer selects (real Debian ELF files
are read in tests/integration/test_profiles.py)."""

from __future__ import annotations

import pytest

from caulk.catalog.elfdeps import NOT_ELF, ElfDeps, ElfDepsAnalyzer, read_elf_deps
from caulk.fs.interface import EntryType, FileEntry


@pytest.mark.parametrize(
    "data", [b"", b"\x7fELF", b"\x7fELF\x02\x01\x01" + b"\0" * 9 + b"\x03\x00" + b"\xff" * 60]
)
def test_malformed_elf_raises_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        read_elf_deps(data)


def _entry(path: str, mode: int = 0o755, size: int = 1000) -> FileEntry:
    return FileEntry(path, EntryType.FILE, mode, 0, 0, size, 0)


def test_analyzer_selects_executables_and_libraries() -> None:
    analyzer = ElfDepsAnalyzer()
    assert analyzer.wants(_entry("/usr/bin/ls"))
    assert analyzer.wants(_entry("/usr/lib/libz.so.1.2.13", mode=0o644))
    assert analyzer.wants(_entry("/usr/lib/python3/x.cpython-311-x86_64-linux-gnu.so", 0o644))
    assert not analyzer.wants(_entry("/etc/passwd", mode=0o644))
    assert not analyzer.wants(_entry("/usr/bin/tiny", size=10))
    assert analyzer.analyze(_entry("/usr/bin/script"), b"#!/bin/sh\necho hi\n") == NOT_ELF


def test_static_means_no_interpreter_in_a_program() -> None:
    base = {"needed": (), "soname": None, "runpath": (), "imports": frozenset()}
    assert ElfDeps(kind="exec", interpreter=None, **base).static  # type: ignore[arg-type]
    assert ElfDeps(kind="dyn", interpreter=None, pie=True, **base).static  # type: ignore[arg-type]
    assert not ElfDeps(kind="dyn", interpreter=None, **base).static  # type: ignore[arg-type]
    assert not ElfDeps(kind="dyn", interpreter="/lib/ld.so", pie=True, **base).static  # type: ignore[arg-type]
