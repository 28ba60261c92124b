"""CK-IMG-001: SETUID/SETGID regular files in the final filesystem.

The set is exactly what `find ROOT -perm /6000 -type f` prints on the extracted root: regular files
and hard links (a hard link is a regular file sharing its target's inode, so its bits are the
target's); never directories (Debian's setgid /var/mail is not reported), symlinks or devices.
"""

from __future__ import annotations

from collections.abc import Iterator

from caulk.check.image.interface import ImageContext
from caulk.check.image.rules import SETUID
from caulk.check.rules import Rule
from caulk.fs.inodes import layer_digest, regular_files
from caulk.fs.interface import EntryType, FileAnalyzer, FileEntry, LayerView
from caulk.model import Finding, Location

__all__ = ["SetuidCheck", "setuid_files"]


def setuid_files(view: LayerView) -> Iterator[tuple[FileEntry, FileEntry]]:
    """(visible entry, inode entry holding its mode and owner) for every setuid/setgid regular
    file of the final filesystem, in path order."""
    for entry, inode in regular_files(view):
        if inode.mode & 0o6000:
            yield entry, inode


class SetuidCheck:
    rules: tuple[Rule, ...] = (SETUID,)
    analyzers: tuple[FileAnalyzer, ...] = ()

    def run(self, ctx: ImageContext) -> Iterator[Finding]:
        for entry, inode in setuid_files(ctx.view):
            if entry.path in ctx.options.allow_paths:
                continue
            mode = inode.mode
            bits = " and ".join(
                name for bit, name in ((0o4000, "SETUID"), (0o2000, "SETGID")) if mode & bit
            )
            owner = inode.uname or str(inode.uid)
            group = inode.gname or str(inode.gid)
            via = f" (hard link to {entry.link})" if entry.type is EntryType.HARDLINK else ""
            yield SETUID.finding(
                f"{entry.path} is {bits}{via}, mode {mode:04o}, owner {owner}:{group}",
                Location(
                    path=entry.path,
                    layer=entry.layer,
                    layer_digest=layer_digest(ctx.view, entry.layer),
                ),
                details=(("mode", f"{mode:04o}"), ("owner", f"{owner}:{group}")),
            )
