"""A plain `FileAnalyzer` built from a path predicate and a parser, for catalogers and checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from caulk.fs.interface import EntryType, FileEntry, LayerView
from caulk.model import Location
from caulk.safeload import DocumentError, load_json

__all__ = ["ContentAnalyzer", "exact_paths", "location_of", "parse_json"]


def parse_json(path: str, data: bytes | str) -> Any:
    """A JSON file inside an image, within safeload's limits (depth, size, integers). Raises
    ValueError, which the layer walk records as an `Unknown` for that file."""
    try:
        return load_json(data, where=path)
    except DocumentError as exc:
        raise ValueError(exc.message) from None


@dataclass(frozen=True, slots=True)
class ContentAnalyzer:
    name: str
    version: str
    match: Callable[[str], bool]  # on the normalised absolute path
    parse: Callable[[str, bytes], object | None]  # (path, content) -> small picklable result
    max_size: int = 16 * 1024 * 1024

    def wants(self, entry: FileEntry) -> bool:
        return entry.type is EntryType.FILE and self.match(entry.path)

    def analyze(self, entry: FileEntry, data: bytes) -> object | None:
        return self.parse(entry.path, data)


def exact_paths(*paths: str) -> Callable[[str], bool]:
    wanted = frozenset(paths)
    return wanted.__contains__


def location_of(
    view: LayerView, entry: FileEntry, *, path: str | None = None, field: str | None = None
) -> Location:
    """Where a package was found: the file (or `path` inside it), its layer and the layer's
    diff_id, and an optional `field` (a nested archive, a lockfile key)."""
    return Location(
        path=path or entry.path,
        layer=entry.layer,
        layer_digest=view.layers[entry.layer].diff_id,
        field=field,
    )
