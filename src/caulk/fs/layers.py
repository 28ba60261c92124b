"""What each layer changed, as Dive shows it: per layer the paths it added, modified or removed
(with sizes), the bytes it holds that the final filesystem no longer shows, and the history
command that made it; plus the image's efficiency numbers (`caulk.fs.efficiency`, dive's own
arithmetic).

    report = layer_report(view, history=image.config.history)
    report.layers[1].changes        # LayerChange(path, "added" | "modified" | "removed", …)

A change is "modified" when the path existed below the layer (overlay semantics, through
`merge_layers`), else "added"; a whiteout is "removed" with the bytes of the files it deletes, an
opaque directory "removed" likewise (its lower children). Layer sizes are dive's: the sum of the
member sizes of the layer tar."""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from caulk.fs.efficiency import Efficiency, compute_efficiency
from caulk.fs.interface import EntryType, LayerIndex, LayerView
from caulk.fs.merge import MergeState, merge_layers
from caulk.source.interface import HistoryEntry

__all__ = [
    "CHANGE_KINDS",
    "SCHEMA",
    "LayerChange",
    "LayerFilter",
    "LayerReport",
    "LayerSummary",
    "layer_report",
    "report_json",
]

CHANGE_KINDS = ("added", "modified", "removed")


@dataclass(frozen=True, slots=True)
class LayerChange:
    path: str
    change: str  # "added" | "modified" | "removed"
    type: str  # EntryType value; "opaque" for an opaque-directory marker
    size: int  # bytes of the file; for "removed": bytes of the files it deletes
    mode: int = 0
    uid: int = 0
    gid: int = 0
    link: str | None = None
    hidden: bool = False  # written here but not visible in the final filesystem


@dataclass(frozen=True, slots=True)
class LayerSummary:
    index: int
    diff_id: str
    created_by: str  # the history command that made the layer ("" when unknown)
    size_bytes: int  # dive's layer size: member sizes of the layer tar
    wasted_bytes: int  # bytes of files written here that the final filesystem does not show
    added: int
    modified: int
    removed: int
    changes: tuple[LayerChange, ...]  # in path order, after filtering


@dataclass(frozen=True, slots=True)
class LayerReport:
    layers: tuple[LayerSummary, ...]
    efficiency: Efficiency


@dataclass(frozen=True, slots=True)
class LayerFilter:
    """Which changes to list (counts and sizes always cover the whole layer)."""

    paths: tuple[str, ...] = ()  # fnmatch globs on the absolute path; any matches
    kinds: tuple[str, ...] = ()  # subset of CHANGE_KINDS; empty: all
    min_size: int = 0
    layers: tuple[int, ...] = ()  # layer indexes; empty: all

    def keeps(self, change: LayerChange) -> bool:
        if self.kinds and change.change not in self.kinds:
            return False
        if change.size < self.min_size:
            return False
        return not self.paths or any(fnmatch.fnmatchcase(change.path, g) for g in self.paths)


def _subtree_bytes(state: MergeState, path: str, *, include_self: bool) -> int:
    total = 0
    stack = [path] if include_self else list(state.children.get(path, ()))
    while stack:
        current = stack.pop()
        entry = state.entries.get(current)
        if entry is not None and entry.type is EntryType.FILE:
            total += entry.size
        stack.extend(state.children.get(current, ()))
    return total


def _commands(history: Sequence[HistoryEntry], count: int) -> list[str]:
    """The `created_by` of each layer (history entries that are not `empty_layer`)."""
    commands = [h.created_by for h in history if not h.empty_layer]
    return (commands + [""] * count)[:count]


class _Collector:
    def __init__(self) -> None:
        self.changes: dict[int, list[LayerChange]] = {}

    def __call__(self, li: LayerIndex, state: MergeState) -> None:
        found: dict[str, LayerChange] = {}
        for gone in li.whiteouts:
            entry = state.entries.get(gone)
            if entry is not None:
                size = _subtree_bytes(state, gone, include_self=True)
                found[gone] = LayerChange(gone, "removed", entry.type.value, size)
        for opaque in li.opaque_dirs:
            if opaque in state.children:
                size = _subtree_bytes(state, opaque, include_self=False)
                found[opaque] = LayerChange(opaque, "removed", "opaque", size)
        for entry in li.entries:  # later duplicates win; an opaque marker outranks its dir
            if entry.type is EntryType.DIR and entry.path in li.opaque_dirs and entry.path in found:
                continue
            existed = entry.path in state.entries and entry.path not in state.implicit
            kind = "modified" if existed else "added"
            found[entry.path] = LayerChange(
                entry.path, kind, entry.type.value, entry.size,
                entry.mode, entry.uid, entry.gid, entry.link,
            )  # fmt: skip
        self.changes[li.index] = sorted(found.values(), key=lambda c: c.path)


def _summary(
    li: LayerIndex, changes: Iterable[LayerChange], view: LayerView, command: str, keep: LayerFilter
) -> LayerSummary:
    counts = dict.fromkeys(CHANGE_KINDS, 0)
    listed, wasted = [], 0
    for change in changes:
        counts[change.change] += 1
        if change.change != "removed" and change.type == EntryType.FILE.value:
            visible = view.get(change.path)
            if visible is None or visible.layer != li.index:
                wasted += change.size
                change = replace(change, hidden=True)
        if keep.keeps(change):
            listed.append(change)
    return LayerSummary(
        index=li.index,
        diff_id=li.diff_id,
        created_by=command,
        size_bytes=sum(e.size for e in li.entries),
        wasted_bytes=wasted,
        added=counts["added"],
        modified=counts["modified"],
        removed=counts["removed"],
        changes=tuple(listed),
    )


def layer_report(
    view: LayerView,
    history: Sequence[HistoryEntry] = (),
    keep: LayerFilter | None = None,
) -> LayerReport:
    keep = keep or LayerFilter()
    collector = _Collector()
    merge_layers(view.layers, collector)
    commands = _commands(history, len(view.layers))
    summaries = tuple(
        _summary(li, collector.changes[li.index], view, commands[n], keep)
        for n, li in enumerate(view.layers)
        if not keep.layers or li.index in keep.layers
    )
    return LayerReport(summaries, compute_efficiency(view))


SCHEMA = "https://caulk.dev/schemas/layers/v1"  # documented in docs/layers.md


def _change_json(change: LayerChange) -> dict[str, object]:
    out: dict[str, object] = {
        "path": change.path,
        "change": change.change,
        "type": change.type,
        "size": change.size,
    }
    if change.change != "removed":
        out.update(mode=f"{change.mode:04o}", uid=change.uid, gid=change.gid)
    if change.link is not None:
        out["link"] = change.link
    if change.hidden:
        out["hidden"] = True
    return out


def _finite(value: float) -> float | None:
    """dive's user-wasted ratio is NaN or +Inf for a one-layer image; JSON has no such numbers."""
    return value if math.isfinite(value) else None


def report_json(report: LayerReport, reference: str) -> dict[str, object]:
    """The JSON form (docs/layers.md): numbers named like dive's `--json` where they agree."""
    eff = report.efficiency
    return {
        "schema": SCHEMA,
        "image": {
            "reference": reference,
            "size_bytes": eff.size_bytes,
            "user_size_bytes": eff.user_size_bytes,
            "wasted_bytes": eff.wasted_bytes,
            "efficiency": eff.efficiency,
            "user_wasted_percent": _finite(eff.user_wasted_percent),
            "hidden_bytes": eff.hidden_bytes,
            "inefficient_files": [
                {"path": f.path, "count": f.count, "wasted_bytes": f.wasted_bytes}
                for f in eff.inefficient_files
            ],
        },
        "layers": [
            {
                "index": layer.index,
                "diff_id": layer.diff_id,
                "created_by": layer.created_by,
                "size_bytes": layer.size_bytes,
                "wasted_bytes": layer.wasted_bytes,
                "added": layer.added,
                "modified": layer.modified,
                "removed": layer.removed,
                "changes": [_change_json(c) for c in layer.changes],
            }
            for layer in report.layers
        ],
    }
