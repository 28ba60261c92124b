"""The values `defang` computes: the exact members of the new layer and a summary of the changes.

A plan is pure data; `caulk.harden.write.write_defanged` turns it into an image."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["ClearedFile", "DefangPlan", "LayerMember", "MemberKind", "Removal"]


class MemberKind(enum.Enum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    FIFO = "fifo"
    WHITEOUT = "whiteout"


@dataclass(frozen=True, slots=True)
class LayerMember:
    """One tar member of the layer to write. `path` is absolute and normalised; a WHITEOUT's path
    is the deleted path (the member is written as `dir/.wh.name`). A FILE's bytes come either from
    `origin` (layer index, path of the member holding them in that layer) or from `data`."""

    path: str
    kind: MemberKind
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    uname: str = ""
    gname: str = ""
    mtime: int = 0
    size: int = 0
    link: str | None = None  # SYMLINK: target as stored; HARDLINK: absolute path of earlier member
    origin: tuple[int, str] | None = None
    data: bytes | None = None

    @property
    def tar_name(self) -> str:
        rel = self.path.lstrip("/")
        if self.kind is MemberKind.WHITEOUT:
            head, _, base = rel.rpartition("/")
            return f"{head}/.wh.{base}" if head else f".wh.{base}"
        return rel


@dataclass(frozen=True, slots=True)
class ClearedFile:
    """A SETUID/SETGID regular file re-added with the bits cleared."""

    path: str
    layer: int  # layer holding the original bytes
    mode_before: int
    mode_after: int


@dataclass(frozen=True, slots=True)
class Removal:
    path: str  # the real path (symlinked parents resolved) that the whiteout deletes
    reason: str  # "shell", "tool", "package manager", "requested"
    names: tuple[str, ...] = ()  # other paths that reached it (e.g. /bin/sh via /bin -> usr/bin)


@dataclass(frozen=True, slots=True)
class DefangPlan:
    members: tuple[LayerMember, ...]  # in tar order (sorted); the whole filesystem when `squash`
    cleared: tuple[ClearedFile, ...]
    removed: tuple[Removal, ...]
    user: str | None  # new config User ("uid:gid"), None when unchanged
    created_user: str | None  # name of the passwd entry added, None when none was added
    squash: bool
    created: str  # RFC 3339 time of the new history entry
    created_by: str
