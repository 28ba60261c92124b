"""CK-IMG-010: world-writable paths in the final filesystem that lack the sticky bit.

Directories: writable by others (o+w) without +t (so anyone can delete or replace others' files,
unlike /tmp's 1777). Regular files, hard links (with their inode's mode) and FIFOs: o+w.
Symlinks (always 0777, meaningless) and device nodes are not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from caulk.check.image.interface import ImageContext
from caulk.check.image.rules import WORLD_WRITABLE
from caulk.check.rules import Rule
from caulk.fs.inodes import InodeResolver, layer_digest
from caulk.fs.interface import EntryType, FileAnalyzer
from caulk.model import Finding, Location

__all__ = ["WorldWritableCheck"]

_FILES = frozenset({EntryType.FILE, EntryType.HARDLINK, EntryType.FIFO})


class WorldWritableCheck:
    rules: tuple[Rule, ...] = (WORLD_WRITABLE,)
    analyzers: tuple[FileAnalyzer, ...] = ()

    def run(self, ctx: ImageContext) -> Iterator[Finding]:
        resolver = InodeResolver(ctx.view)
        squashed = ctx.view.squashed()
        for path in sorted(squashed):
            entry = squashed[path]
            if entry.type is EntryType.DIR:
                if not entry.mode & 0o002 or entry.mode & 0o1000:
                    continue
                what = "directory is world-writable without the sticky bit"
                mode = entry.mode
            elif entry.type in _FILES:
                mode = resolver.inode(entry).mode
                if not mode & 0o002:
                    continue
                what = f"{'FIFO' if entry.type is EntryType.FIFO else 'file'} is world-writable"
            else:
                continue
            yield WORLD_WRITABLE.finding(
                f"{path}: {what} (mode {mode:04o})",
                Location(
                    path=path, layer=entry.layer, layer_digest=layer_digest(ctx.view, entry.layer)
                ),
                details=(("mode", f"{mode:04o}"),),
            )
