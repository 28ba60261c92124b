"""The image's executables: regular files (or hardlinks to them) with an execute bit, by path."""

from __future__ import annotations

from collections.abc import Iterator

from caulk.fs.inodes import regular_files
from caulk.fs.interface import EntryType, FileEntry, LayerView

__all__ = ["executables"]


def executables(view: LayerView) -> Iterator[tuple[str, FileEntry]]:
    """(path, the FILE entry holding its bytes) of each executable of the final filesystem."""
    for entry, inode in regular_files(view):
        if inode.type is EntryType.FILE and inode.mode & 0o111:
            yield entry.path, inode
