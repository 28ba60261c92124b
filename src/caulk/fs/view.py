"""Build the `LayerView` of an image: index every layer (in parallel threads), then merge.

view = build_view(image, analyzers=[...])
view.get("/usr/bin/su"); view.resolve("/bin/sh"); view.history("/etc/passwd")
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from types import MappingProxyType

from caulk.fs.cache import LayerCache
from caulk.fs.interface import EntryType, FileAnalyzer, FileEntry, LayerIndex, Scope
from caulk.fs.merge import MergeState, Removal, merge_layers, resolve_path
from caulk.fs.paths import normalize
from caulk.fs.tarwalk import index_layer
from caulk.model import Unknown
from caulk.source.interface import Image, Layer

__all__ = ["MergedView", "build_view", "view_from_layers"]

log = logging.getLogger(__name__)


class MergedView:
    """The `LayerView` implementation: an immutable merge of per-layer indexes."""

    def __init__(self, layers: Sequence[LayerIndex]) -> None:
        self._layers = tuple(layers)
        self._state: MergeState = merge_layers(self._layers)
        self._by_index = {li.index: li for li in self._layers}
        self._layer_entries: dict[int, dict[str, FileEntry]] = {}
        self._visible: dict[str, list[tuple[FileEntry, object]]] = {}  # analyzer -> results
        self._position: dict[str, int] | None = None

    @property
    def layers(self) -> tuple[LayerIndex, ...]:
        return self._layers

    def squashed(self) -> Mapping[str, FileEntry]:
        return MappingProxyType(self._state.entries)

    def get(self, path: str) -> FileEntry | None:
        norm = normalize(path)
        return self._state.entries.get(norm) if norm is not None else None

    def resolve(self, path: str, *, follow_final: bool = True) -> FileEntry | None:
        return resolve_path(self._state.entries, path, follow_final=follow_final)

    def history(self, path: str) -> tuple[int, ...]:
        norm = normalize(path)
        return tuple(self._state.history.get(norm, ())) if norm is not None else ()

    def hidden(self) -> Iterator[tuple[FileEntry, int]]:
        return iter(self._state.hidden)

    def removals(self) -> tuple[Removal, ...]:
        """Directories whose lower-layer contents were deleted or made opaque, in layer order."""
        return tuple(self._state.removals)

    def is_implicit(self, path: str) -> bool:
        """True for directories no layer wrote (created for missing parents, or the root)."""
        return path in self._state.implicit

    def result(self, analyzer: str, path: str) -> object | None:
        entry = self.get(path)
        if entry is None or entry.type is not EntryType.FILE:
            return None
        per_path = self._results_of(entry.layer, analyzer)
        return per_path.get(self._state.origin.get(entry.path, entry.path))

    def results(
        self, analyzer: str, scope: Scope = "squashed"
    ) -> Iterator[tuple[FileEntry, object]]:
        if scope == "squashed":
            found = self._visible.get(analyzer)
            if found is None:
                found = self._visible[analyzer] = self._visible_results(analyzer)
            return iter(found)
        return self._all_results(analyzer)

    def _visible_results(self, analyzer: str) -> list[tuple[FileEntry, object]]:
        """Results of files visible in the final filesystem, in `squashed()` order. Walks only the
        layers' results (not every visible path), then keeps a result when the visible file at
        its path (or at a path written through an in-image symlink) is the one that layer wrote."""
        entries, origin = self._state.entries, self._state.origin
        aliases: dict[str, list[str]] = {}
        for real, written in origin.items():
            aliases.setdefault(written, []).append(real)
        found: list[tuple[FileEntry, object]] = []
        for li in self._layers:
            per_path = li.results.get(analyzer) if li.results else None
            for key, value in (per_path or {}).items():
                for path in (key, *aliases.get(key, ())):
                    entry = entries.get(path)
                    if (
                        entry is not None
                        and entry.type is EntryType.FILE
                        and entry.layer == li.index
                        and origin.get(path, path) == key
                    ):
                        found.append((entry, value))
        if len(found) > 1:
            position = self._positions()
            found.sort(key=lambda item: position[item[0].path])
        return found

    def _positions(self) -> dict[str, int]:
        if self._position is None:
            self._position = {path: i for i, path in enumerate(self._state.entries)}
        return self._position

    def _all_results(self, analyzer: str) -> Iterator[tuple[FileEntry, object]]:
        for li in self._layers:
            per_path = self._results_of(li.index, analyzer)
            if not per_path:
                continue
            entries = self._entries_of(li)
            for path, value in per_path.items():
                yield entries[path], value

    def unknowns(self) -> tuple[Unknown, ...]:
        return tuple(u for li in self._layers for u in li.unknowns)

    def _results_of(self, layer: int, analyzer: str) -> Mapping[str, object]:
        li = self._by_index.get(layer)
        if li is None or not li.results:
            return {}
        return li.results.get(analyzer, {})

    def _entries_of(self, li: LayerIndex) -> dict[str, FileEntry]:
        found = self._layer_entries.get(li.index)
        if found is None:
            found = {e.path: e for e in li.entries}
            self._layer_entries[li.index] = found
        return found


def view_from_layers(layers: Sequence[LayerIndex]) -> MergedView:
    """Merge already-indexed layers (ordered base first). Pure; used by tests and the cache."""
    return MergedView(layers)


def _verify_blob(image: Image, layer: Layer) -> None:
    """On a cache hit for a local image, still hash the compressed blob (no decompression):
    a file changed after the first scan must fail, not borrow the cached results. Registry
    blobs are not fetched again: the result belongs to the digest, which the first read verified."""
    with image.open_blob(layer.descriptor) as blob:
        while blob.read(1 << 20):
            pass


def build_view(
    image: Image,
    analyzers: Sequence[FileAnalyzer] = (),
    *,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
    cache: LayerCache | None = None,
) -> MergedView:
    """Index every layer of `image` once (up to `workers` layers at a time; decompression
    releases the GIL) and merge them. `progress(done, total)` is called after each layer
    (counts of layers). The first error raised stops the scan (queued layers are cancelled).
    With a `cache`, a layer indexed before with the same analyzers is not decompressed again
    (local blobs are re-hashed, registry blobs not fetched); a layer read now is stored once its
    diff_id has been verified (when its stream closes)."""
    layers = image.layers
    total = len(layers)
    done = 0

    def index_one(layer: Layer) -> LayerIndex:
        key = None
        if cache is not None:
            key = cache.key(layer.index, layer.diff_id, analyzers, blob=layer.descriptor.digest)
        if cache is not None and key is not None and (hit := cache.get(key)) is not None:
            if image.transport != "registry":
                _verify_blob(image, layer)
            return hit
        where = f"{image.reference} layer {layer.index} ({layer.descriptor.digest})"
        with image.open_layer(layer) as stream:
            indexed = index_layer(
                stream, index=layer.index, diff_id=layer.diff_id, analyzers=analyzers, where=where
            )
        if cache is not None and key is not None:
            cache.put(key, indexed)  # only now: leaving the block verified the diff_id
        return indexed

    def report(layer: Layer) -> None:
        nonlocal done
        done += 1
        log.debug("indexed layer %d (%d/%d)", layer.index, done, total)
        if progress is not None:
            progress(done, total)

    if workers <= 1 or len(layers) <= 1:
        indexes = []
        for layer in layers:
            indexes.append(index_one(layer))
            report(layer)
        return MergedView(indexes)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="caulk-layer") as pool:
        futures: dict[Future[LayerIndex], Layer] = {
            pool.submit(index_one, layer): layer for layer in layers
        }
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for fut in finished:
                if fut.exception() is not None:
                    for other in pending:
                        other.cancel()
                    raise fut.exception()  # type: ignore[misc]
                report(futures[fut])
        return MergedView([fut.result() for fut in futures])
