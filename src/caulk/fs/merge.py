"""Merge per-layer indexes into the final filesystem with overlayfs semantics (as Docker and
containerd apply layers):

- a layer's whiteouts (`.wh.NAME`) and opaque markers apply to the *lower* layers only, so a layer
  may delete a path and re-create it (order inside the tar does not matter);
- a non-directory written over a directory hides the directory's whole subtree; a directory
  written over a directory only replaces its metadata;
- missing parent directories are created implicitly (mode 0755, root), like an extractor does;
- a member whose parent is a symlink is written where the symlink points *inside the image*
  (containerd's RootPath semantics); if that symlink points outside the root (Docker's
  "breakout") the layer is rejected with `UnsafeContentError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from caulk.errors import ImageFormatError, UnsafeContentError
from caulk.fs.interface import EntryType, FileEntry, LayerIndex
from caulk.fs.paths import ROOT, escapes_root, split

__all__ = ["MAX_SYMLINK_HOPS", "MergeState", "Removal", "merge_layers", "resolve_path"]

MAX_SYMLINK_HOPS = 40


@dataclass(frozen=True, slots=True)
class Removal:
    """A directory whose lower-layer contents a layer hid: `deleted` by a whiteout of the
    directory itself, or `opaque` by an opaque marker. `files`/`bytes` count the regular files
    hidden below it."""

    kind: str  # "deleted" | "opaque"
    path: str
    layer: int
    files: int
    bytes: int


@dataclass(slots=True)
class MergeState:
    """The merged filesystem. `entries` holds what is visible; `implicit` the directories that
    no layer wrote (created for missing parents); `origin` maps a visible path that a layer
    wrote under another name (through an in-image symlink) back to that name."""

    entries: dict[str, FileEntry] = field(default_factory=dict)
    children: dict[str, set[str]] = field(default_factory=dict)
    history: dict[str, list[int]] = field(default_factory=dict)
    hidden: list[tuple[FileEntry, int]] = field(default_factory=list)
    implicit: set[str] = field(default_factory=set)
    origin: dict[str, str] = field(default_factory=dict)
    removals: list[Removal] = field(default_factory=list)


def _implicit_dir(path: str, layer: int) -> FileEntry:
    return FileEntry(path=path, type=EntryType.DIR, mode=0o755, uid=0, gid=0, size=0, layer=layer)


def _child(parent: str, name: str) -> str:
    return f"/{name}" if parent == ROOT else f"{parent}/{name}"


class _Merger:
    def __init__(self, state: MergeState) -> None:
        self.s = state

    # ------------------------------------------------------------------ removal

    def remove_below(self, path: str, layer: int, *, include_self: bool) -> tuple[int, int]:
        """Hide the subtree below `path` (and `path` itself if asked); returns the number and
        total size of the regular files hidden below `path`."""
        s = self.s
        files = size = 0
        stack = list(s.children.pop(path, ()))
        while stack:
            p = stack.pop()
            stack.extend(s.children.pop(p, ()))
            entry = self._drop(p, layer)
            if entry.type is EntryType.FILE:
                files += 1
                size += entry.size
        if include_self and path != ROOT and path in s.entries:
            s.children.get(split(path)[0], set()).discard(path)
            self._drop(path, layer)
        return files, size

    def _drop(self, path: str, layer: int) -> FileEntry:
        s = self.s
        entry = s.entries.pop(path)
        s.origin.pop(path, None)
        if path in s.implicit:
            s.implicit.discard(path)
        else:
            s.hidden.append((entry, layer))
        return entry

    # ------------------------------------------------------------------ placement

    def real_dir(self, path: str, layer: int, where: str, member: str) -> str:
        """The directory `path` resolves to inside the image, created implicitly if missing."""
        s = self.s
        entry = s.entries.get(path)
        if entry is not None and entry.type is EntryType.DIR:
            return path  # fast path: visible dirs only have visible dir ancestors
        cur = ROOT
        pending = [c for c in reversed(path.split("/")) if c]
        hops = 0
        while pending:
            name = pending.pop()
            if name == ".":
                continue
            if name == "..":
                cur = split(cur)[0]
                continue
            cand = _child(cur, name)
            entry = s.entries.get(cand)
            if entry is None:
                s.entries[cand] = _implicit_dir(cand, layer)
                s.implicit.add(cand)
                s.children.setdefault(cur, set()).add(cand)
            elif entry.type is EntryType.SYMLINK:
                target = entry.link or ""
                if escapes_root(cur, target):
                    raise UnsafeContentError(
                        f"member {member!r} is written through symlink {cand!r} -> {target!r} "
                        "pointing outside the root",
                        where=where,
                    )
                hops += 1
                if hops > MAX_SYMLINK_HOPS:
                    raise ImageFormatError(
                        f"member {member!r}: too many levels of symlinks", where=where
                    )
                if target.startswith("/"):
                    cur = ROOT
                pending.extend(c for c in reversed(target.split("/")) if c)
                continue
            elif entry.type is not EntryType.DIR:
                raise ImageFormatError(
                    f"member {member!r} is below {cand!r}, which is not a directory", where=where
                )
            cur = cand
        return cur

    def place(self, entry: FileEntry, layer: int, where: str) -> None:
        s = self.s
        path = entry.path
        if path == ROOT:
            self._put(path, entry, layer, ROOT)
            return
        head, base = split(path)
        real_head = self.real_dir(head, layer, where, path)
        real = path if real_head == head else _child(real_head, base)
        if real != path:
            entry = replace(entry, path=real)
        if entry.type is EntryType.HARDLINK:
            target = s.entries.get(entry.link or "")
            if target is None or target.type is EntryType.DIR:
                what = "does not exist" if target is None else "is a directory"
                raise ImageFormatError(
                    f"member {path!r} is a hardlink to {entry.link!r}, which {what}", where=where
                )
        self._put(real, entry, layer, real_head)
        if real != path:
            s.origin[real] = path

    def _put(self, path: str, entry: FileEntry, layer: int, parent: str) -> None:
        s = self.s
        old = s.entries.get(path)
        if old is not None:
            if old.type is EntryType.DIR and entry.type is not EntryType.DIR:
                self.remove_below(path, layer, include_self=False)
            if path in s.implicit:
                s.implicit.discard(path)
            else:
                s.hidden.append((old, layer))
            s.origin.pop(path, None)
        elif path != ROOT:
            s.children.setdefault(parent, set()).add(path)
        s.entries[path] = entry
        hist = s.history.setdefault(path, [])
        if not hist or hist[-1] != layer:
            hist.append(layer)


def merge_layers(
    layers: Sequence[LayerIndex],
    before_layer: Callable[[LayerIndex, MergeState], None] | None = None,
) -> MergeState:
    """Apply `layers` in order (index 0 = base) and return the merged state. `before_layer`
    sees each layer with the state of the layers below it (to tell added from modified)."""
    state = MergeState()
    merger = _Merger(state)
    base = layers[0].index if layers else 0
    state.entries[ROOT] = _implicit_dir(ROOT, base)
    state.implicit.add(ROOT)
    for li in layers:
        if before_layer is not None:
            before_layer(li, state)
        where = li.diff_id or f"layer {li.index}"
        for gone in li.whiteouts:
            entry = state.entries.get(gone)
            if entry is not None:
                files, size = merger.remove_below(gone, li.index, include_self=True)
                if entry.type is EntryType.DIR:
                    state.removals.append(Removal("deleted", gone, li.index, files, size))
        for opaque in li.opaque_dirs:
            entry = state.entries.get(opaque)
            if entry is not None and entry.type is EntryType.DIR:
                files, size = merger.remove_below(opaque, li.index, include_self=False)
                state.removals.append(Removal("opaque", opaque, li.index, files, size))
        for entry in li.entries:
            merger.place(entry, li.index, where)
    return state


def resolve_path(
    entries: dict[str, FileEntry], path: str, *, follow_final: bool = True
) -> FileEntry | None:
    """Resolve `path` in `entries`, following symlinks in every component inside the image:
    absolute targets start at the image root and ".." stops at the root. None when a component
    is missing, not a directory, or after more than `MAX_SYMLINK_HOPS` symlinks."""
    cur = ROOT
    pending = [c for c in reversed(path.split("/")) if c and c != "."]
    hops = 0
    while pending:
        name = pending.pop()
        if name == "..":
            cur = split(cur)[0]
            continue
        cand = _child(cur, name)
        entry = entries.get(cand)
        if entry is None:
            return None
        if entry.type is EntryType.SYMLINK and (pending or follow_final):
            hops += 1
            if hops > MAX_SYMLINK_HOPS:
                return None
            target = entry.link or ""
            if target.startswith("/"):
                cur = ROOT
            pending.extend(c for c in reversed(target.split("/")) if c and c != ".")
            continue
        if pending and entry.type is not EntryType.DIR:
            return None
        cur = cand
    return entries.get(cur)
