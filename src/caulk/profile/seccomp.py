"""A seccomp profile in Docker's default shape (defaultAction SCMP_ACT_ERRNO, archMap, one
allow-list), from a conservative base list (`caulk/data/seccomp/base-allow.txt`), minus the
system calls the image is *proven* not to make (docs/profiles.md):

- every ELF file that could run (executables, `*.so*`) was read, none is static (a static program
  makes system calls without importing anything), and none imports the generic `syscall()` or
  libffi's `ffi_call` (interpreters that call any C function by name);
- then a candidate in `CANDIDATES` is removed when no ELF file imports any of its wrappers.

Candidates are system calls glibc and musl only make from their own wrapper of the same name (no
other libc function uses them), so "nobody imports the wrapper" means "nobody makes the call"."""

from __future__ import annotations

from importlib import resources
from typing import Any

from caulk.catalog.elfdeps import NOT_ELF, ElfDeps, ElfDepsAnalyzer
from caulk.fs.interface import LayerView
from caulk.profile.interface import Proof

__all__ = ["ARCH_MAP", "CANDIDATES", "base_allow_list", "prove", "seccomp_profile"]

# system call -> libc (or libnuma/libkeyutils) symbols that make it
CANDIDATES: dict[str, frozenset[str]] = {
    "ptrace": frozenset({"ptrace"}),
    "process_vm_readv": frozenset({"process_vm_readv"}),
    "process_vm_writev": frozenset({"process_vm_writev"}),
    "mbind": frozenset({"mbind"}),
    "get_mempolicy": frozenset({"get_mempolicy"}),
    "set_mempolicy": frozenset({"set_mempolicy"}),
    "move_pages": frozenset({"move_pages"}),
    "keyctl": frozenset({"keyctl"}),
    "add_key": frozenset({"add_key"}),
    "request_key": frozenset({"request_key"}),
    "kcmp": frozenset({"kcmp"}),
    "userfaultfd": frozenset({"userfaultfd"}),
    "fanotify_mark": frozenset({"fanotify_mark"}),
}
# personality(2) values Docker allows: PER_LINUX, UNAME26, PER_LINUX32, UNAME26|PER_LINUX32, query
PERSONALITIES = (0x0, 0x0008, 0x20000, 0x20008, 0xFFFFFFFF)
ESCAPES = frozenset({"syscall", "ffi_call", "ffi_call_go"})
ARCH_MAP = (
    {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
    {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
)


def base_allow_list() -> tuple[str, ...]:
    text = resources.files("caulk.data").joinpath("seccomp/base-allow.txt").read_text("utf-8")
    return tuple(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def _elf_files(view: LayerView) -> tuple[dict[str, ElfDeps], list[str]]:
    analyzer = ElfDepsAnalyzer()
    found: dict[str, ElfDeps] = {}
    unread: list[str] = []
    for path, entry in view.squashed().items():
        if not analyzer.wants(entry):
            continue
        result = view.result(analyzer.name, path)
        if isinstance(result, ElfDeps):
            found[path] = result
        elif result != NOT_ELF:
            unread.append(path)  # too large, malformed, or a view built without the analyzer
    return found, unread


def prove(view: LayerView) -> Proof:
    elves, unread = _elf_files(view)
    blockers: list[str] = []
    if unread:
        blockers.append(f"{len(unread)} files could not be read as ELF, e.g. {unread[0]}")
    static = sorted(p for p, d in elves.items() if d.static)
    if static:
        blockers.append(f"static program {static[0]} can make any system call")
    for escape in sorted(ESCAPES):
        users = sorted(p for p, d in elves.items() if d.imports is None or escape in d.imports)
        if users:
            blockers.append(f"{users[0]} imports {escape}() or has no readable .dynsym")
            break
    if blockers:
        return Proof(
            (), tuple((name, "not proven") for name in sorted(CANDIDATES)), tuple(blockers)
        )
    removed, kept = [], []
    for name, wrappers in sorted(CANDIDATES.items()):
        users = sorted(p for p, d in elves.items() if d.imports and d.imports & wrappers)
        if users:
            symbol = min((elves[users[0]].imports or frozenset()) & wrappers)
            kept.append((name, f"{users[0]} imports {symbol}"))
        else:
            removed.append(name)
    return Proof(tuple(removed), tuple(kept), ())


def seccomp_profile(view: LayerView) -> tuple[dict[str, Any], Proof]:
    proof = prove(view)
    gone = set(proof.removed)
    names = [n for n in base_allow_list() if n not in gone]
    doc = {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "archMap": [dict(a) for a in ARCH_MAP],
        "syscalls": [
            {"names": sorted(names), "action": "SCMP_ACT_ALLOW"},
            *(
                {
                    "names": ["personality"],
                    "action": "SCMP_ACT_ALLOW",
                    "args": [{"index": 0, "value": value, "op": "SCMP_CMP_EQ"}],
                }
                for value in PERSONALITIES
            ),
        ],
    }
    return doc, proof
