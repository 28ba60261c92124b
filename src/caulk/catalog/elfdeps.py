"""What an ELF file needs at run time, read from its headers (`caulk.catalog.elf`): the program
interpreter (PT_INTERP), DT_NEEDED libraries, DT_SONAME, DT_RUNPATH/DT_RPATH, and which of a
watched set of dynamic symbols it imports (undefined in .dynsym). `ElfDepsAnalyzer` records them
for every executable or shared-library-looking file while the view is built.

A file is a *static program* when it is an executable (ET_EXEC, or ET_DYN flagged DF_1_PIE)
without a program interpreter (Go, musl-static, static-pie): it can make any system call without
importing anything. Shared objects without one (plugins, libraries) run inside a dynamic program."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from caulk.catalog.elf import ElfFile, is_elf
from caulk.fs.interface import EntryType, FileEntry

__all__ = ["NOT_ELF", "WATCHED_SYMBOLS", "ElfDeps", "ElfDepsAnalyzer", "read_elf_deps"]

_PT_INTERP, _PT_DYNAMIC = 3, 2
_DT_NEEDED, _DT_STRTAB, _DT_STRSZ, _DT_SONAME, _DT_RPATH, _DT_RUNPATH = 1, 5, 10, 14, 15, 29
_DT_FLAGS_1, _DF_1_PIE = 0x6FFFFFFB, 0x08000000
_ET_EXEC, _ET_DYN = 2, 3
NOT_ELF = "not-elf"
_LIBRARY = re.compile(r"\.so(\.\d+)*$")

# libc wrappers of the system calls `caulk.profile.seccomp` may drop, plus the generic escape
# hatches (`syscall`, libffi's `ffi_call`): only these imports are recorded.
WATCHED_SYMBOLS = frozenset(
    {"syscall", "ffi_call", "ffi_call_go", "ptrace", "personality", "unshare", "setns", "chroot",
     "mount", "umount", "umount2", "pivot_root", "acct", "reboot", "swapon", "swapoff",
     "sethostname", "setdomainname", "settimeofday", "stime", "clock_settime", "clock_adjtime",
     "adjtimex", "ntp_adjtime", "klogctl", "vhangup", "quotactl", "init_module",
     "finit_module", "delete_module", "kexec_load", "kexec_file_load", "bpf", "perf_event_open",
     "userfaultfd", "process_vm_readv", "process_vm_writev", "kcmp", "lookup_dcookie",
     "open_by_handle_at", "name_to_handle_at", "fanotify_init", "fanotify_mark", "iopl",
     "ioperm", "mbind", "get_mempolicy", "set_mempolicy", "move_pages", "keyctl", "add_key",
     "request_key", "fsopen", "fsmount", "move_mount", "open_tree", "mount_setattr"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ElfDeps:
    kind: str  # "exec" | "dyn" | "other" (ET_* of the header)
    interpreter: str | None
    needed: tuple[str, ...]
    soname: str | None
    runpath: tuple[str, ...]  # DT_RUNPATH, else DT_RPATH, split on ':'
    imports: frozenset[str] | None  # watched imports; None when .dynsym could not be read
    pie: bool = False  # DF_1_PIE: an ET_DYN that is a program, not a library

    @property
    def static(self) -> bool:
        return self.interpreter is None and (self.kind == "exec" or self.pie)


def _cstr(table: bytes, offset: int) -> str:
    end = table.find(b"\0", offset)
    if offset < 0 or offset >= len(table) or end < 0:
        raise ValueError("ELF string outside its table")
    return table[offset:end].decode("utf-8", "surrogateescape")


def _dynamic(elf: ElfFile) -> list[tuple[int, int]]:
    for seg in elf.segments:
        if seg.type == _PT_DYNAMIC:
            raw = elf.data[seg.offset : seg.offset + seg.filesz]
            fmt, size = ("qQ", 16) if elf.is64 else ("iI", 8)
            entries = []
            for base in range(0, len(raw) - size + 1, size):
                tag, value = elf._unpack(fmt, seg.offset + base)
                if tag == 0:
                    break
                entries.append((tag, value))
            return entries
    return []


def _imports(elf: ElfFile) -> frozenset[str] | None:
    symtab, strtab = elf.section(".dynsym"), elf.section(".dynstr")
    if symtab is None or strtab is None:
        return None
    size = 24 if elf.is64 else 16
    found = set()
    for base in range(size, len(symtab) - size + 1, size):  # entry 0 is the null symbol
        name = elf.uint(symtab[base : base + 4])
        shndx_at = base + (6 if elf.is64 else 14)
        if elf.uint(symtab[shndx_at : shndx_at + 2]) != 0:
            continue  # defined here
        symbol = _cstr(strtab, name).split("@", 1)[0]
        if symbol in WATCHED_SYMBOLS:
            found.add(symbol)
    return frozenset(found)


def read_elf_deps(data: bytes) -> ElfDeps:
    """Raises ValueError for a malformed ELF."""
    elf = ElfFile(data)
    etype = elf.uint(data[16:18])
    kind = {_ET_EXEC: "exec", _ET_DYN: "dyn"}.get(etype, "other")
    interpreter: str | None = None
    for seg in elf.segments:
        if seg.type == _PT_INTERP:
            raw = elf.data[seg.offset : seg.offset + seg.filesz].split(b"\0", 1)[0]
            interpreter = raw.decode("utf-8", "surrogateescape") or None
    dynamic = _dynamic(elf)
    strtab = b""
    tags = dict(dynamic)
    if _DT_STRTAB in tags:
        strtab = elf.read_at(tags[_DT_STRTAB], tags.get(_DT_STRSZ, 0))
    strings = {t: [_cstr(strtab, v) for tag, v in dynamic if tag == t] for t in
               (_DT_NEEDED, _DT_SONAME, _DT_RPATH, _DT_RUNPATH)}  # fmt: skip
    paths = strings[_DT_RUNPATH] or strings[_DT_RPATH]
    return ElfDeps(
        kind=kind,
        interpreter=interpreter,
        needed=tuple(strings[_DT_NEEDED]),
        soname=strings[_DT_SONAME][0] if strings[_DT_SONAME] else None,
        runpath=tuple(p for item in paths for p in item.split(":") if p),
        imports=_imports(elf),
        pie=bool(tags.get(_DT_FLAGS_1, 0) & _DF_1_PIE),
    )


class ElfDepsAnalyzer:
    """Records `ElfDeps` of executables and `*.so*` files (ELF only) during the view build."""

    name = "caulk.elfdeps"
    version = "1"
    max_size = 64 * 1024 * 1024  # larger files are not read (memory): an Unknown, not a result

    def wants(self, entry: FileEntry) -> bool:
        if entry.type is not EntryType.FILE or entry.size < 64:
            return False
        return bool(entry.mode & 0o111) or bool(_LIBRARY.search(posixpath.basename(entry.path)))

    def analyze(self, entry: FileEntry, data: bytes) -> object | None:
        """`ElfDeps`, or NOT_ELF (so that a missing result means "not read")."""
        if not is_elf(data):
            return NOT_ELF
        return read_elf_deps(data)
