"""Path questions answered inside the image's view (never on the host): real paths through
symlinked directories, and which regular file's bytes a hardlink shares."""

from __future__ import annotations

import posixpath
from collections import deque

from caulk.errors import ImageFormatError
from caulk.fs.interface import EntryType, FileEntry, LayerView

__all__ = ["LinkResolver", "normalise", "real_path"]

_MAX_HOPS = 40


def normalise(path: str) -> str:
    """An absolute, normalised POSIX path ("/", "/usr/bin/su"), as `caulk.fs` stores them."""
    clean = posixpath.normpath("/" + path.lstrip("/"))
    return "/" + clean.lstrip("/")


def real_path(view: LayerView, path: str, *, follow_final: bool = False) -> str | None:
    """`path` with every symlinked directory resolved inside the image (absolute targets are
    relative to the image root, ".." stops at the root), or None when it does not exist. The last
    component is followed only with `follow_final`: a whiteout must delete the link itself."""
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
    """Finds the FILE entry whose bytes a HARDLINK entry shares: the target in the hardlink's own
    layer (the usual case), else the newest lower layer that has it."""

    def __init__(self, view: LayerView) -> None:
        self._view = view
        self._files: dict[int, dict[str, FileEntry]] = {}

    def _layer_files(self, layer: int) -> dict[str, FileEntry]:
        files = self._files.get(layer)
        if files is None:
            files = {
                e.path: e
                for e in self._view.layers[layer].entries
                if e.type in (EntryType.FILE, EntryType.HARDLINK)
            }
            self._files[layer] = files
        return files

    def data_entry(self, entry: FileEntry) -> FileEntry:
        """The FILE entry holding `entry`'s bytes (`entry` itself for a FILE)."""
        current = entry
        for _ in range(_MAX_HOPS):
            if current.type is EntryType.FILE:
                return current
            target = current.link or ""
            found = None
            for layer in range(current.layer, -1, -1):
                found = self._layer_files(layer).get(target)
                if found is not None and found is not current:
                    break
                found = None
            if found is None:
                raise ImageFormatError(
                    f"hardlink {entry.path} -> {target}: target not found in layer "
                    f"{current.layer} or below",
                    where=self._view.layers[entry.layer].diff_id,
                )
            current = found
        raise ImageFormatError(f"hardlink chain too long at {entry.path}")

    def inode(self, entry: FileEntry) -> tuple[int, str]:
        """Identity of the bytes: (layer, path) of the FILE member that holds them."""
        data = self.data_entry(entry)
        return data.layer, data.path
