"""Which paths the removal flags delete: shells, tools and package managers found in executable
locations, links to what is removed, and `--remove` paths. Always the real path (symlinked
directories resolved, as with merged-usr `/bin -> usr/bin`), so the whiteout deletes the file and
not a path the layer cannot hold."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Mapping

from caulk.errors import UsageError
from caulk.fs.interface import EntryType, FileEntry, LayerView
from caulk.harden.options import DefangOptions
from caulk.harden.paths import LinkResolver, normalise, real_path
from caulk.harden.plan import Removal
from caulk.harden.tools import BUSYBOX, PACKAGE_MANAGERS, PATH_DIRS, SHELLS, TOOLS

__all__ = ["is_removed", "plan_removals"]


def is_removed(path: str, removed: Iterable[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in removed)


def _path_dirs(env: Iterable[str]) -> tuple[str, ...]:
    dirs = list(PATH_DIRS)
    for item in env:
        if item.startswith("PATH="):
            dirs += [normalise(d) for d in item[5:].split(":") if d.startswith("/")]
    return tuple(dict.fromkeys(dirs))


def _wanted(options: DefangOptions) -> dict[str, str]:
    wanted: dict[str, str] = {}
    if options.remove_package_managers:
        wanted.update(dict.fromkeys(PACKAGE_MANAGERS, "package manager"))
    if options.remove_tools:
        wanted.update(dict.fromkeys(TOOLS, "tool"))
    if options.remove_shells:
        wanted.update(dict.fromkeys(SHELLS, "shell"))
    return wanted


class _Finder:
    def __init__(self, view: LayerView, env: Iterable[str]) -> None:
        self.view = view
        self.final: Mapping[str, FileEntry] = view.squashed()
        self.links = LinkResolver(view)
        children: dict[str, list[str]] = defaultdict(list)
        for path in self.final:
            if path != "/":
                children[posixpath.dirname(path)].append(path)
        self.exec_paths: list[tuple[str, str]] = []  # (real path, name as reached through PATH)
        self.exec_dirs: set[str] = set()
        seen: set[str] = set()
        for directory in _path_dirs(env):
            real_dir = real_path(view, directory, follow_final=True)
            if real_dir is None or real_dir in seen:
                continue
            entry = self.final.get(real_dir)
            if entry is None or entry.type is not EntryType.DIR:
                continue
            seen.add(real_dir)
            self.exec_dirs.add(real_dir)
            for child in sorted(children.get(real_dir, ())):
                self.exec_paths.append(
                    (child, posixpath.join(directory, posixpath.basename(child)))
                )

    def target(self, path: str) -> str | None:
        """The real file a PATH entry runs (symlinks followed), None when dangling."""
        return real_path(self.view, path, follow_final=True)

    def inode(self, path: str) -> tuple[int, str] | None:
        entry = self.final.get(path)
        if entry is None or entry.type not in (EntryType.FILE, EntryType.HARDLINK):
            return None
        return self.links.inode(entry)


def plan_removals(
    view: LayerView, options: DefangOptions, env: Iterable[str] = ()
) -> tuple[Removal, ...]:
    found: dict[str, str] = {}  # real path -> reason
    names: dict[str, set[str]] = defaultdict(set)
    wanted = _wanted(options)
    if wanted:
        finder = _Finder(view, env)
        busybox = {p for p, _ in finder.exec_paths if posixpath.basename(p) == BUSYBOX}
        busybox_inodes = {finder.inode(p) for p in busybox} - {None}
        for path, reached in finder.exec_paths:
            reason = wanted.get(posixpath.basename(path))
            if reason is None and options.remove_shells:
                applet = finder.target(path) in busybox or finder.inode(path) in busybox_inodes
                reason = "shell" if applet else None
            if reason is None:
                continue
            found.setdefault(path, reason)
            if reached != path:
                names[path].add(reached)
            target = finder.target(path)
            if target is not None and posixpath.dirname(target) in finder.exec_dirs:
                found.setdefault(target, reason)  # sh -> dash: dash goes too
        # Names left pointing at what goes (rbash -> bash, a hardlinked copy): they go too.
        removed_inodes = {finder.inode(p): r for p, r in found.items()}
        removed_inodes.pop(None, None)
        for path, reached in finder.exec_paths:
            if path in found:
                continue
            target = finder.target(path)
            reason = found.get(target or "") or removed_inodes.get(finder.inode(path))
            if reason is not None:
                found[path] = reason
                if reached != path:
                    names[path].add(reached)
    for requested in options.remove_paths:
        real = real_path(view, requested)
        if real is None:
            raise UsageError(f"--remove {requested}: no such path in the image")
        if real == "/":
            raise UsageError(f"--remove {requested}: refusing to remove the root directory")
        found[real] = "requested"
        if normalise(requested) != real:
            names[real].add(normalise(requested))
    removals = []
    for path in sorted(found):
        ancestors = [p for p in found if p != path and is_removed(path, [p])]
        if ancestors:
            continue
        removals.append(Removal(path, found[path], tuple(sorted(names[path]))))
    return tuple(removals)
