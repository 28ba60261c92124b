"""The contract of `fs/`: read each layer tar exactly once, as a stream, into a `LayerIndex`, and
merge the indexes into a `LayerView` (the image's filesystem, never extracted to the host).

    view = build_view(image, analyzers=[...])      # fs.view.build_view
    view.get("/usr/bin/su")                          # FileEntry of the final filesystem, or None
    view.history("/etc/passwd")                      # layers that wrote it, ascending
    view.results("dpkg-status")                      # analyzer results visible in the final fs

Paths are normalised absolute POSIX paths ("/", "/usr/bin/su"): no "./", no trailing "/", "." and
".." resolved lexically. Names that are not UTF-8 are decoded with `surrogateescape` (kept exact).

Analyzers: while a layer streams by, every regular file for which some analyzer's `wants(entry)` is
true and whose size is at most that analyzer's `max_size` is read into memory once and passed to
`analyze(entry, data)`; its (small, picklable) result is stored in `LayerIndex.results[name][path]`.
This is how catalogers and content checks see file contents without a second pass over the tar.
Per-layer indexes depend only on (diff_id, analyzer names+versions), so they can be cached.

Whiteouts: `.wh.NAME` deletes NAME (and everything below it) from lower layers; `.wh..wh..opq` in
directory D hides every lower-layer child of D. Markers are recorded, never listed as entries.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from caulk.model import Unknown

__all__ = [
    "EntryType",
    "FileAnalyzer",
    "FileEntry",
    "LayerIndex",
    "LayerView",
    "Scope",
]

Scope = Literal["squashed", "all-layers"]


class EntryType(enum.Enum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    CHAR = "char"
    BLOCK = "block"
    FIFO = "fifo"


@dataclass(frozen=True, slots=True)
class FileEntry:
    path: str
    type: EntryType
    mode: int  # permission bits including setuid/setgid/sticky (0o7777), no file-type bits
    uid: int
    gid: int
    size: int  # content bytes in this layer; 0 for anything but FILE
    layer: int  # index of the layer that wrote this entry
    link: str | None = None  # SYMLINK: target as stored; HARDLINK: normalised absolute target
    mtime: int = 0
    uname: str = ""
    gname: str = ""
    # file capabilities as getcap prints them ("cap_net_raw=ep"); "" for none
    capabilities: str = ""

    @property
    def is_setuid(self) -> bool:
        return bool(self.mode & 0o4000)

    @property
    def is_setgid(self) -> bool:
        return bool(self.mode & 0o2000)


class FileAnalyzer(Protocol):
    """Reads selected files' contents during the single pass over each layer."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def max_size(self) -> int:
        """Files larger than this are not read; an Unknown is recorded instead."""
        ...

    def wants(self, entry: FileEntry) -> bool: ...

    def analyze(self, entry: FileEntry, data: bytes) -> object | None:
        """Return a small picklable result, or None to store nothing. May raise ValueError for
        content it cannot parse; the walker records that as an Unknown for the path."""
        ...


@dataclass(frozen=True, slots=True)
class LayerIndex:
    index: int
    diff_id: str
    entries: tuple[FileEntry, ...]  # in tar order; later duplicates of a path win
    whiteouts: tuple[str, ...] = ()  # paths this layer deletes from lower layers
    opaque_dirs: tuple[str, ...] = ()  # directories whose lower-layer children this layer hides
    tar_size: int = 0  # uncompressed bytes of the layer tar
    results: Mapping[str, Mapping[str, object]] | None = None  # analyzer -> path -> result
    unknowns: tuple[Unknown, ...] = ()  # skipped members, missing trailer, unreadable files


class LayerView(Protocol):
    """The merged filesystem over all layers."""

    @property
    def layers(self) -> tuple[LayerIndex, ...]: ...

    def squashed(self) -> Mapping[str, FileEntry]:
        """The final filesystem: path -> the entry that is visible (its `layer` is the origin)."""
        ...

    def get(self, path: str) -> FileEntry | None: ...

    def resolve(self, path: str, *, follow_final: bool = True) -> FileEntry | None:
        """Like `get`, but resolves symlinks in every path component *inside the image* (absolute
        targets are relative to the image root; at most 40 hops). Never touches the host."""
        ...

    def history(self, path: str) -> tuple[int, ...]:
        """Indexes of the layers that wrote `path`, ascending (including ones later deleted)."""
        ...

    def hidden(self) -> Iterator[tuple[FileEntry, int]]:
        """Entries present in some layer but not in the final filesystem, with the index of the
        layer that hid them (overwritten, whited out, or under an opaque directory)."""
        ...

    def result(self, analyzer: str, path: str) -> object | None:
        """The analyzer result for the file visible at `path`, if any."""
        ...

    def results(
        self, analyzer: str, scope: Scope = "squashed"
    ) -> Iterator[tuple[FileEntry, object]]:
        """Results of one analyzer: for files of the final filesystem (`squashed`) or for every
        file in every layer (`all-layers`, which includes deleted and overwritten ones)."""
        ...

    def unknowns(self) -> tuple[Unknown, ...]: ...
