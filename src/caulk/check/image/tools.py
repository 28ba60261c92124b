"""CK-IMG-002/003/004/019: shells, network/attack tools, package managers and compilers/debuggers/
interpreters on the PATH.

Only executable locations count: the usual PATH directories plus the ones the config's `PATH`
names. Directories are resolved inside the image first, so with merged /usr (`/bin -> usr/bin`)
`/bin/sh` and `/usr/bin/sh` are one name of one file. Every name (symlink, hard link, alternative)
that leads to the same file is grouped, so a file is reported once, with all its names: busybox
shows up once with its applet links.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field

from caulk.check.image.interface import ImageContext
from caulk.check.image.rules import DEV_TOOL, NETWORK_TOOL, PACKAGE_MANAGER, SHELL
from caulk.check.rules import Rule
from caulk.fs.inodes import REGULAR, InodeResolver, layer_digest
from caulk.fs.interface import EntryType, FileAnalyzer, FileEntry, LayerView
from caulk.fs.toolnames import classify, path_dirs, spellings
from caulk.model import Finding, Location

__all__ = ["ToolsCheck"]


_RULES = {
    "shell": SHELL,
    "tool": NETWORK_TOOL,
    "package-manager": PACKAGE_MANAGER,
    "dev-tool": DEV_TOOL,
}
_KIND = {
    "shell": "shell",
    "tool": "network tool",
    "package-manager": "package manager",
    "dev-tool": "compiler/debugger/interpreter",
}


@dataclass(slots=True)
class _Group:
    inode: FileEntry
    names: set[str] = field(default_factory=set)


def _canonical_dirs(view: LayerView, dirs: tuple[str, ...]) -> dict[str, list[str]]:
    """Resolved directory -> the PATH spellings that lead to it."""
    aliases: dict[str, list[str]] = {}
    for d in dirs:
        entry = view.resolve(d)
        if entry is not None and entry.type is EntryType.DIR:
            aliases.setdefault(entry.path, []).append(d)
    return aliases


def _groups(view: LayerView, dirs: tuple[str, ...]) -> dict[tuple[str, int], _Group]:
    aliases = _canonical_dirs(view, dirs)
    resolver = InodeResolver(view)
    groups: dict[tuple[str, int], _Group] = {}
    for path, entry in view.squashed().items():
        parent, name = posixpath.split(path)
        spellings = aliases.get(parent)
        if not spellings or not name:
            continue
        target = view.resolve(path) if entry.type is EntryType.SYMLINK else entry
        if target is None or target.type not in REGULAR:
            continue
        inode = resolver.inode(target)
        if not inode.mode & 0o111:
            continue
        group = groups.setdefault((inode.path, inode.layer), _Group(inode))
        group.names.update(posixpath.join(d, name) for d in spellings)
    return groups


class ToolsCheck:
    rules: tuple[Rule, ...] = (SHELL, NETWORK_TOOL, PACKAGE_MANAGER, DEV_TOOL)
    analyzers: tuple[FileAnalyzer, ...] = ()

    def run(self, ctx: ImageContext) -> Iterator[Finding]:
        allow_paths, allow_tools = ctx.options.allow_paths, ctx.options.allow_tools
        groups = _groups(ctx.view, path_dirs(ctx.image.config.env))
        for (real, layer), group in sorted(groups.items()):
            if real in allow_paths:
                continue
            names = sorted(n for n in group.names if n not in allow_paths)
            by_kind: dict[str, set[str]] = {}
            for base in {posixpath.basename(n) for n in [*names, real]}:
                kind = classify(base)
                if kind is not None and not spellings(base) & allow_tools:
                    by_kind.setdefault(kind, set()).add(base)
            for kind, tools in sorted(by_kind.items()):
                yield self._finding(ctx, kind, sorted(tools), real, layer, names)

    @staticmethod
    def _finding(
        ctx: ImageContext, kind: str, tools: list[str], real: str, layer: int, names: list[str]
    ) -> Finding:
        others = [n for n in names if n != real]
        busybox = posixpath.basename(real) == "busybox"
        also = ""
        if busybox and others:
            also = f" with {len(others)} applet links"
        elif others:
            also = f" (also {', '.join(others)})"
        return _RULES[kind].finding(
            f"{_KIND[kind]} {', '.join(tools)}: {real}{also}",
            Location(path=real, layer=layer, layer_digest=layer_digest(ctx.view, layer)),
            details=(("tools", ", ".join(tools)), ("names", ", ".join(names))),
        )
