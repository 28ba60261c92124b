"""`--keep-only` / `--from-profile`: the set of paths an allow-list (or a recorded file-access
profile) needs, computed inside the image without running it (docker-slim's result, statically):

- every listed path, with each symlink met on the way (symlinked directories such as
  `/bin -> usr/bin` and the final link chain) and its target; a directory from `--keep-only`
  brings its whole subtree, one from a profile only itself (a program that listed `/` did not
  need all of it);
- for every kept ELF file: its program interpreter and its DT_NEEDED libraries, found the way
  ld.so finds them (DT_RUNPATH/DT_RPATH with `$ORIGIN`, the directories of the image's
  /etc/ld.so.conf and its includes, then /lib, /usr/lib and their 64-bit and multiarch forms),
  repeated until nothing new is needed;
- the programs Entrypoint/Cmd/Healthcheck run (`caulk.harden.startup`), so the output starts;
- /etc basics when present: passwd, group, nsswitch.conf, hosts, ld.so.cache, ld.so.conf(.d);
- the directories above everything kept.

Build the view with `KEEP_ANALYZERS` (ELF dependencies, ld.so.conf contents)."""

from __future__ import annotations

import codecs
import fnmatch
import logging
import posixpath
import re
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

from caulk.catalog.elfdeps import ElfDeps, ElfDepsAnalyzer
from caulk.errors import UsageError
from caulk.fs.interface import EntryType, FileEntry, LayerView
from caulk.harden.options import KeepSpec
from caulk.harden.paths import normalise, real_path

if TYPE_CHECKING:
    from caulk.harden.startup import Need

__all__ = [
    "ETC_BASICS",
    "KEEP_ANALYZERS",
    "LdConfigAnalyzer",
    "kept_paths",
    "parse_profile",
]

log = logging.getLogger(__name__)

ETC_BASICS = (
    "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts", "/etc/ld.so.cache",
    "/etc/ld.so.conf", "/etc/ld.so.conf.d",
)  # fmt: skip
_DEFAULT_LIB_DIRS = ("/lib", "/usr/lib", "/lib64", "/usr/lib64")
_MULTIARCH = {
    "x86-64": "x86_64-linux-gnu",
    "aarch64": "aarch64-linux-gnu",
}
_STRACE_CALL = re.compile(r"^(?:\[pid\s+\d+\]\s+|\d+\s+)?([a-z0-9_]+)\((.*)$")
_PID = re.compile(r"^(?:\[pid\s+\d+\]\s+|\d+\s+)")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


class LdConfigAnalyzer:
    """Keeps the text of /etc/ld.so.conf and /etc/ld.so.conf.d/*.conf (small)."""

    name = "caulk.harden.ldconfig"
    version = "1"
    max_size = 64 * 1024

    def wants(self, entry: FileEntry) -> bool:
        return entry.type is EntryType.FILE and (
            entry.path == "/etc/ld.so.conf"
            or fnmatch.fnmatchcase(entry.path, "/etc/ld.so.conf.d/*")
        )

    def analyze(self, entry: FileEntry, data: bytes) -> object | None:
        return data.decode("utf-8", "replace")


KEEP_ANALYZERS = (ElfDepsAnalyzer(), LdConfigAnalyzer())


def parse_profile(text: str, where: str) -> KeepSpec:
    """Paths from `strace -f -e trace=file` output (every quoted absolute path argument of a
    call), or from a plain list (one absolute path a line, `#` comments)."""
    paths: list[str] = []
    traced = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if _PID.sub("", line).startswith(("+++", "---", "<...")):
            traced = True  # exits, signals, resumed calls: no new path
            continue
        call = _STRACE_CALL.match(line)
        if call is not None:
            traced = True
            args = call.group(2)
            for match in _QUOTED.finditer(args):
                if args.startswith("...", match.end()):
                    continue  # truncated by strace (record with -s 4096)
                quoted = match.group(1)
                try:
                    path = codecs.escape_decode(quoted.encode())[0]
                except ValueError:
                    continue
                name = path.decode("utf-8", "surrogateescape")
                if name.startswith("/"):
                    paths.append(normalise(name))
        elif line.startswith("/") and not traced:
            paths.append(normalise(line))
        else:
            raise UsageError(
                f"line {number}: neither strace output nor an absolute path: {line[:60]!r}",
                where=where,
            )
    if not paths:
        raise UsageError("no absolute paths in the profile", where=where)
    return KeepSpec(tuple(dict.fromkeys(paths)), subtrees=False, source="--from-profile")


class _Closure:
    def __init__(self, view: LayerView) -> None:
        self.view = view
        self.final = view.squashed()
        self.kept: set[str] = set()
        self.trees: set[str] = set()
        self.todo: deque[str] = deque()
        self.lib_dirs = self._lib_dirs()

    # ---------------------------------------------------------------- paths and links
    def keep_path(self, path: str, *, tree: bool) -> bool:
        """Keep `path` (spelled as in the image) and every symlink that leads to it."""
        current = real_path(self.view, path, follow_final=True, on_link=self._add)
        if current is None:
            return False
        self._add(current)
        if tree and self.final[current].type is EntryType.DIR:
            self.trees.add(current)
        return True

    def _add(self, path: str) -> None:
        if path not in self.kept:
            self.kept.add(path)
            self.todo.append(path)

    # ---------------------------------------------------------------- ELF dependencies
    def _lib_dirs(self) -> list[str]:
        dirs: list[str] = []
        texts = dict((e.path, str(v)) for e, v in self.view.results(LdConfigAnalyzer.name))
        seen: set[str] = set()

        def read(path: str, depth: int) -> None:
            if path in seen or depth > 8:
                return
            seen.add(path)
            for raw in texts.get(path, "").splitlines():
                line = raw.split("#", 1)[0].strip()
                if line.startswith("include "):
                    pattern = line.split(None, 1)[1].strip()
                    for candidate in sorted(texts):
                        if fnmatch.fnmatchcase(candidate, pattern):
                            read(candidate, depth + 1)
                elif line.startswith("/"):
                    dirs.append(posixpath.normpath(line))

        read("/etc/ld.so.conf", 0)
        multiarch = [
            posixpath.join(d, m) for m in _MULTIARCH.values() for d in ("/lib", "/usr/lib")
        ]
        return list(dict.fromkeys([*dirs, *multiarch, *_DEFAULT_LIB_DIRS]))

    def _find_library(self, name: str, deps: ElfDeps, origin: str) -> str | None:
        if "/" in name:
            return name
        runpath = [p.replace("$ORIGIN", origin).replace("${ORIGIN}", origin) for p in deps.runpath]
        for directory in (*runpath, *self.lib_dirs):
            candidate = posixpath.join(directory, name)
            entry = self.view.resolve(candidate)
            if entry is not None and entry.type in (EntryType.FILE, EntryType.HARDLINK):
                return candidate
        return None

    def elf_needs(self, path: str) -> None:
        deps = self.view.result(ElfDepsAnalyzer.name, path)
        if not isinstance(deps, ElfDeps):
            entry = self.final.get(path)
            if deps is None and entry is not None and ElfDepsAnalyzer().wants(entry):
                log.warning("%s was not read (too large?): its libraries are not followed", path)
            return
        if deps.interpreter and not self.keep_path(deps.interpreter, tree=False):
            log.warning("%s: its interpreter %s is not in the image", path, deps.interpreter)
        for library in deps.needed:
            found = self._find_library(library, deps, posixpath.dirname(path))
            if found is None or not self.keep_path(found, tree=False):
                log.warning("%s needs %s, which the image does not hold", path, library)

    # ---------------------------------------------------------------- driver
    def run(self) -> set[str]:
        while self.todo:
            path = self.todo.popleft()
            entry = self.final.get(path)
            if entry is not None and entry.type in (EntryType.FILE, EntryType.HARDLINK):
                self.elf_needs(path)
        for tree in sorted(self.trees):  # files below a kept directory need their libraries too
            for path, entry in self.final.items():
                if path.startswith(tree + "/") and path not in self.kept:
                    self.kept.add(path)
                    if entry.type is EntryType.FILE:
                        self.todo.append(path)
                    elif entry.type is EntryType.SYMLINK:
                        self.keep_path(path, tree=False)
        while self.todo:
            path = self.todo.popleft()
            if self.final.get(path) is not None:
                self.elf_needs(path)
        for path in list(self.kept):
            parent = posixpath.dirname(path)
            while parent != "/" and parent not in self.kept:
                self.kept.add(parent)
                parent = posixpath.dirname(parent)
        return self.kept


def kept_paths(view: LayerView, spec: KeepSpec, needs: Iterable[Need] = ()) -> frozenset[str]:
    """Every real path to keep (directories included; `/` implied)."""
    closure = _Closure(view)
    missing = [p for p in spec.paths if not closure.keep_path(p, tree=spec.subtrees)]
    if missing and spec.source == "--keep-only":
        raise UsageError(f"--keep-only {missing[0]}: no such path in the image")
    if missing:
        log.info("%d profile paths are not in the image (e.g. %s)", len(missing), missing[0])
    for need in needs:  # as spelled (`/bin/bash` keeps the `/bin -> usr/bin` link too)
        spelled = need.program if need.program.startswith("/") else need.names[0]
        closure.keep_path(spelled, tree=False) or closure.keep_path(need.names[0], tree=False)
    for basic in ETC_BASICS:
        if basic in closure.final:
            closure.keep_path(basic, tree=True)
    return frozenset(closure.run())
