"""Layer efficiency computed exactly as `dive --ci` 0.13.1 does, plus what dive misses.

dive's model (dive/filetree/efficiency.go, file_tree.go, image_archive.go), reproduced here:
- each layer is a tree built from its tar members (paths cleaned; intermediate directories a
  layer does not list get an empty payload: size 0, "not a directory"); `.wh.NAME` whiteouts
  are nodes of their own; opaque markers are ignored (only their parent directories are added);
- only *leaves* are visited, layer by layer, depth first in byte order of names; a path's
  "cumulative size" sums the sizes of every visit, its "minimum" is the smallest of them;
- a whiteout leaf counts the size of the whole subtree it deletes if that path was a directory
  in the lower layers (stacked the way dive stacks them), else 0; a whiteout of a path that
  does not exist below aborts the rest of that layer's walk (dive logs and continues), leaving
  that path with a "minimum" of -1;
- score = sum(minimum) / sum(cumulative) (1.0 when nothing was seen); a path seen at least
  twice is inefficient; wasted bytes = sum of their cumulative sizes; user-wasted ratio =
  wasted / (bytes of all layers but the first), with Go's float semantics (NaN, +Inf);
- inefficient files are ordered by Go's (unstable) sort.Sort on cumulative size, then reversed.

What dive misses: bytes of regular files hidden under deleted directories and opaque
directories (`hidden_bytes`, from the true overlay merge).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from caulk.fs.gosort import go_sort
from caulk.fs.interface import EntryType, LayerIndex, LayerView
from caulk.fs.merge import Removal, merge_layers
from caulk.fs.paths import split
from caulk.fs.tarwalk import WHITEOUT_PREFIX

__all__ = ["Efficiency", "HiddenDir", "InefficientFile", "compute_efficiency"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InefficientFile:
    path: str
    count: int  # how many layers touched the path (writes and deletions)
    wasted_bytes: int  # dive's cumulative size over all those layers


@dataclass(frozen=True, slots=True)
class HiddenDir:
    kind: str  # "deleted" (whiteout of the directory) | "opaque" (opaque marker)
    path: str
    layer: int  # the layer that hid the contents
    files: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Efficiency:
    efficiency: float  # dive's efficiency score, 0..1
    wasted_bytes: int
    user_wasted_percent: float  # a ratio like dive's (0.1 = 10 %); NaN/inf when no user bytes
    size_bytes: int  # dive's image size: sum of member sizes of all layers
    user_size_bytes: int  # the same without the first layer
    inefficient_files: tuple[InefficientFile, ...]  # dive's order: largest first
    hidden_bytes: int = 0  # not counted by dive: deleted_dir_bytes + opaque_bytes
    deleted_dir_bytes: int = 0
    opaque_bytes: int = 0
    hidden_dirs: tuple[HiddenDir, ...] = ()


class _Node:
    """A node of a dive file tree: payload (is_dir, size) and children by name."""

    __slots__ = ("children", "is_dir", "size")

    def __init__(self, is_dir: bool = False, size: int = 0) -> None:
        self.is_dir = is_dir
        self.size = size
        self.children: dict[str, _Node] = {}

    def copy(self) -> _Node:
        root = _Node(self.is_dir, self.size)
        stack = [(self, root)]
        while stack:
            src, dst = stack.pop()
            for name, child in src.children.items():
                twin = _Node(child.is_dir, child.size)
                dst.children[name] = twin
                stack.append((child, twin))
        return root


def _names(path: str) -> list[str]:
    return [name for name in path.split("/") if name]


def _sorted_children(node: _Node) -> list[tuple[str, _Node]]:
    return sorted(node.children.items(), key=lambda kv: kv[0].encode("utf-8", "surrogateescape"))


def _add_path(root: _Node, names: Sequence[str], is_dir: bool, size: int, payload: bool) -> None:
    """dive's FileTree.AddPath: create missing nodes with an empty payload; set the payload of
    the last one (when `payload`)."""
    node = root
    for name in names:
        child = node.children.get(name)
        if child is None:
            child = _Node()
            node.children[name] = child
        node = child
    if payload and names:
        node.is_dir, node.size = is_dir, size


def _get(root: _Node, names: Sequence[str]) -> _Node | None:
    node: _Node | None = root
    for name in names:
        node = node.children.get(name) if node is not None else None
    return node


def _layer_tree(li: LayerIndex) -> _Node:
    root = _Node()
    for entry in li.entries:
        if entry.path != "/":
            _add_path(root, _names(entry.path), entry.type is EntryType.DIR, entry.size, True)
    for gone in li.whiteouts:
        head, base = split(gone)
        _add_path(root, [*_names(head), WHITEOUT_PREFIX + base], False, 0, True)
    for opaque in li.opaque_dirs:
        _add_path(root, _names(opaque), False, 0, False)
    return root


def _post_order(root: _Node) -> Iterator[tuple[list[str], _Node]]:
    """All nodes but the root, children first, siblings in byte order (dive's visit order)."""
    stack: list[tuple[list[str], _Node, bool]] = [([], root, False)]
    while stack:
        names, node, expanded = stack.pop()
        if expanded or not node.children:
            if names:
                yield names, node
            continue
        stack.append((names, node, True))
        for name, child in reversed(_sorted_children(node)):
            stack.append(([*names, name], child, False))


def _stack(lower: _Node, upper: _Node) -> None:
    """dive's FileTree.Stack: whiteouts remove, everything else is (re)added with its payload."""
    for names, node in _post_order(upper):
        base = names[-1]
        if base.startswith(WHITEOUT_PREFIX):
            parent = _get(lower, names[:-1])
            if parent is not None:
                parent.children.pop(base[len(WHITEOUT_PREFIX) :], None)
        else:
            _add_path(lower, names, node.is_dir, node.size, True)


def _subtree_size(node: _Node) -> int:
    total, stack = 0, [node]
    while stack:
        cur = stack.pop()
        total += cur.size
        stack.extend(cur.children.values())
    return total


class _Tally:
    __slots__ = ("count", "cumulative", "minimum", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.count = 0
        self.cumulative = 0
        self.minimum = -1


def _dive_numbers(layers: Sequence[LayerIndex]) -> tuple[float, list[_Tally]]:
    trees = [_layer_tree(li) for li in layers]
    tallies: dict[str, _Tally] = {}
    inefficient: list[_Tally] = []
    stacked: _Node | None = None
    for idx, tree in enumerate(trees):
        if idx == 0:
            stacked = trees[0].copy()  # StackTreeRange(trees, 0, -1)
        elif stacked is not None:
            _stack(stacked, trees[idx - 1])  # StackTreeRange(trees, 0, idx-1), incrementally
        for names, node in _post_order(tree):
            if node.children:
                continue  # only leaves are visited
            base = names[-1]
            whiteout = base.startswith(WHITEOUT_PREFIX)
            if whiteout:
                names = [*names[:-1], base[len(WHITEOUT_PREFIX) :]]
            path = "/" + "/".join(names)
            tally = tallies.get(path)
            if tally is None:  # created before dive looks below, so an abort leaves min = -1
                tally = tallies[path] = _Tally(path)
            if whiteout:
                previous = _get(stacked, names) if stacked is not None else None
                if previous is None:
                    log.debug("dive aborts layer %d at missing whiteout target %s", idx, path)
                    break
                size = _subtree_size(previous) if previous.is_dir else 0
            else:
                size = node.size
            tally.cumulative += size
            if tally.minimum < 0 or size < tally.minimum:
                tally.minimum = size
            tally.count += 1
            if tally.count == 2:
                inefficient.append(tally)
    minimum = sum(t.minimum for t in tallies.values())
    discovered = sum(t.cumulative for t in tallies.values())
    score = 1.0 if discovered == 0 else minimum / discovered
    go_sort(inefficient, key=lambda t: t.cumulative)
    inefficient.reverse()
    return score, inefficient


def _go_divide(a: int, b: int) -> float:
    if b:
        return a / b
    return math.nan if a == 0 else math.inf


def compute_efficiency(view: LayerView) -> Efficiency:
    """dive's efficiency numbers for `view`'s layers, plus the bytes dive does not see."""
    layers = view.layers
    score, inefficient = _dive_numbers(layers)
    sizes = [sum(e.size for e in li.entries) for li in layers]
    wasted = sum(t.cumulative for t in inefficient)
    user = sum(sizes[1:])
    removals_of = getattr(view, "removals", None)
    removals: Sequence[Removal] = (
        removals_of() if callable(removals_of) else merge_layers(layers).removals
    )
    hidden = tuple(HiddenDir(r.kind, r.path, r.layer, r.files, r.bytes) for r in removals)
    deleted = sum(h.bytes for h in hidden if h.kind == "deleted")
    opaque = sum(h.bytes for h in hidden if h.kind == "opaque")
    return Efficiency(
        efficiency=score,
        wasted_bytes=wasted,
        user_wasted_percent=_go_divide(wasted, user),
        size_bytes=sum(sizes),
        user_size_bytes=user,
        inefficient_files=tuple(
            InefficientFile(t.path, t.count, t.cumulative) for t in inefficient
        ),
        hidden_bytes=deleted + opaque,
        deleted_dir_bytes=deleted,
        opaque_bytes=opaque,
        hidden_dirs=hidden,
    )
