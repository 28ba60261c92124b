"""Which paths the removal flags delete, with the definitions of the hygiene checks
(`caulk.fs.toolnames`: names and PATH directories; `caulk.check.image.tools`: grouping by file),
so a re-scan of the output reports none of them.

Every executable name in a PATH directory is grouped with the other names of the same file
(symlinks followed inside the image, hardlinks by inode). A group goes when any of its names, or
the file's own name, is a shell / tool / package manager: all its names in PATH directories and
the files its symlinks lead to (busybox goes with its applet links, `nc -> nc.openbsd` with its
target). Paths are always real paths (symlinked directories resolved, as with merged-usr
`/bin -> usr/bin`): a whiteout must delete the file, not a path the layer cannot hold."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Collection

from caulk.errors import UsageError
from caulk.fs.inodes import REGULAR, InodeResolver
from caulk.fs.interface import EntryType, LayerView
from caulk.fs.toolnames import classify, path_dirs
from caulk.harden.options import DefangOptions
from caulk.harden.paths import normalise, real_path
from caulk.harden.plan import Removal

__all__ = ["is_removed", "plan_removals"]

_REASONS = {"shell": "shell", "tool": "tool", "package-manager": "package manager"}


def is_removed(path: str, removed: Collection[str]) -> bool:
    """Whether `path` or one of its ancestors is in `removed` (pass a set)."""
    while path != "/":
        if path in removed:
            return True
        path = posixpath.dirname(path)
    return False


def _wanted(options: DefangOptions) -> set[str]:
    kinds = set()
    if options.remove_shells:
        kinds.add("shell")
    if options.remove_tools:
        kinds.add("tool")
    if options.remove_package_managers:
        kinds.add("package-manager")
    return kinds


def _exec_dirs(view: LayerView, env: tuple[str, ...]) -> dict[str, list[str]]:
    """Real PATH directory -> the spellings that lead to it (`/bin`, `/usr/bin`)."""
    final = view.squashed()
    aliases: dict[str, list[str]] = {}
    for spelling in path_dirs(env):
        real = real_path(view, spelling, follow_final=True)
        entry = final.get(real) if real is not None else None
        if real is not None and entry is not None and entry.type is EntryType.DIR:
            aliases.setdefault(real, []).append(spelling)
    return aliases


def _tool_removals(view: LayerView, kinds: set[str], env: tuple[str, ...]) -> dict[str, Removal]:
    final = view.squashed()
    aliases = _exec_dirs(view, env)
    resolver = InodeResolver(view)
    members: dict[tuple[str, int], set[str]] = defaultdict(set)  # inode -> real paths to delete
    spellings: dict[tuple[str, int], set[str]] = defaultdict(set)
    spelled: dict[str, set[str]] = defaultdict(set)  # real path -> PATH spellings of it
    for path, entry in final.items():
        parent, name = posixpath.split(path)
        if parent not in aliases or not name:
            continue
        target_path = path
        if entry.type is EntryType.SYMLINK:
            target_path = real_path(view, path, follow_final=True) or ""
        target = final.get(target_path)
        if target is None or target.type not in REGULAR:
            continue
        inode = resolver.inode(target)
        if not inode.mode & 0o111:
            continue
        key = (inode.path, inode.layer)
        members[key].update({path, target_path})
        spelled[path].update(posixpath.join(d, name) for d in aliases[parent])
        spellings[key].update(spelled[path])
    found: dict[str, Removal] = {}
    for key in sorted(members):
        names = {posixpath.basename(n) for n in spellings[key]} | {posixpath.basename(key[0])}
        matched = sorted(k for k in map(classify, names) if k in kinds)
        if not matched:
            continue
        for path in sorted(members[key]):
            others = tuple(sorted(s for s in spelled[path] if s != path))
            found.setdefault(path, Removal(path, _REASONS[matched[0]], others))
    return found


def plan_removals(
    view: LayerView, options: DefangOptions, env: tuple[str, ...] = ()
) -> tuple[Removal, ...]:
    kinds = _wanted(options)
    found = _tool_removals(view, kinds, env) if kinds else {}
    for requested in options.remove_paths:
        real = real_path(view, requested)
        if real is None:
            raise UsageError(f"--remove {requested}: no such path in the image")
        if real == "/":
            raise UsageError(f"--remove {requested}: refusing to remove the root directory")
        names = (normalise(requested),) if normalise(requested) != real else ()
        found[real] = Removal(real, "requested", names)
    # A removed directory takes its subtree: drop what lies below another removal.
    paths = set(found)
    return tuple(
        found[p] for p in sorted(paths) if p == "/" or not is_removed(posixpath.dirname(p), paths)
    )
