"""Path questions answered inside the image's view (never on the host): real paths through
symlinked directories, and which regular file's bytes a hardlink shares."""

from __future__ import annotations

import posixpath
from collections import deque
from collections.abc import Callable

from caulk.errors import ImageFormatError
from caulk.fs.inodes import InodeResolver
from caulk.fs.interface import EntryType, FileEntry, LayerView

__all__ = ["LinkResolver", "normalise", "real_path"]

_MAX_HOPS = 40


def normalise(path: str) -> str:
    """An absolute, normalised POSIX path ("/", "/usr/bin/su"), as `caulk.fs` stores them."""
    clean = posixpath.normpath("/" + path.lstrip("/"))
    return "/" + clean.lstrip("/")


def real_path(
    view: LayerView,
    path: str,
    *,
    follow_final: bool = False,
    on_link: Callable[[str], None] | None = None,
) -> str | None:
    """`path` with every symlinked directory resolved inside the image (absolute targets are
    relative to the image root, ".." stops at the root), or None when it does not exist. The last
    component is followed only with `follow_final`: a whiteout must delete the link itself.
    `on_link(link_path)` is called for each symlink followed on the way."""
    parts = deque(normalise(path).split("/")[1:])
    current = "/"
    hops = 0
    while parts:
        name = parts.popleft()
        if name in ("", "."):
            continue
        if name == "..":
            current = posixpath.dirname(current)
            continue
        candidate = posixpath.join(current, name)
        entry = view.get(candidate)
        if entry is None:
            return None
        if entry.type is EntryType.SYMLINK and (parts or follow_final):
            if on_link is not None:
                on_link(candidate)
            hops += 1
            if hops > _MAX_HOPS:
                return None
            target = entry.link or ""
            if target.startswith("/"):
                current = "/"
            parts.extendleft(reversed(target.split("/")))
            continue
        current = candidate
    return current


class LinkResolver:
    """The FILE entry whose bytes (and mode, owner) a HARDLINK shares, with the hygiene checks'
    hardlink semantics (`caulk.fs.inodes`); an error when there is none."""

    def __init__(self, view: LayerView) -> None:
        self._view = view
        self._inodes = InodeResolver(view)

    def data_entry(self, entry: FileEntry) -> FileEntry:
        inode = self._inodes.inode(entry)
        if inode.type is not EntryType.FILE:
            raise ImageFormatError(
                f"hardlink {entry.path} -> {entry.link}: no earlier file holds its bytes",
                where=self._view.layers[entry.layer].diff_id,
            )
        return inode
