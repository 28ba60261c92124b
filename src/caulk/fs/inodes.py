"""Hard links as the extracted filesystem sees them.

A tar hard link creates a second name for an existing inode: after extraction it is a regular file
(`find -type f` lists it) whose mode, owner and content are those of the file it links to, as that
file was when the link was made. A later layer that rewrites the target path creates a *new* inode
(tar extraction and overlayfs copy-up both break the link), so the link keeps the old bits. A later
layer that deletes the target leaves the link, a regular file, in place.
"""

from __future__ import annotations

from collections.abc import Iterator

from caulk.fs.interface import EntryType, FileEntry, LayerView

__all__ = ["REGULAR", "InodeResolver", "layer_digest", "regular_files"]

REGULAR = frozenset({EntryType.FILE, EntryType.HARDLINK})
_MAX_CHAIN = 40


def layer_digest(view: LayerView, layer: int) -> str | None:
    layers = view.layers
    return layers[layer].diff_id if 0 <= layer < len(layers) else None


class InodeResolver:
    """Maps a HARDLINK entry to the FILE entry whose inode it shares (computed lazily, cached)."""

    def __init__(self, view: LayerView) -> None:
        self._view = view
        self._links: dict[int, dict[str, FileEntry]] = {}  # layer -> link path -> target entry
        self._last: dict[int, dict[str, FileEntry]] = {}  # layer -> path -> last entry

    def inode(self, entry: FileEntry) -> FileEntry:
        """The FILE entry holding `entry`'s data and mode; `entry` itself when it is not a hard
        link or when its target cannot be found (then the link header's own mode is used)."""
        current = entry
        for _ in range(_MAX_CHAIN):
            if current.type is not EntryType.HARDLINK or current.link is None:
                return current
            target = self._target(current)
            if target is None:
                return current
            current = target
        return current

    def _target(self, link: FileEntry) -> FileEntry | None:
        assert link.link is not None
        same_layer = self._links_of(link.layer).get(link.path)
        if same_layer is not None:
            return same_layer
        for layer in reversed(self._view.history(link.link)):
            if layer < link.layer:
                return self._last_of(layer).get(link.link)
        return None

    def _links_of(self, layer: int) -> dict[str, FileEntry]:
        """For each hard link of `layer`, its target as written earlier in the same tar."""
        links = self._links.get(layer)
        if links is None:
            links = {}
            seen: dict[str, FileEntry] = {}
            for entry in self._view.layers[layer].entries:
                if entry.type is EntryType.HARDLINK and entry.link in seen:
                    links[entry.path] = seen[entry.link]
                seen[entry.path] = entry
            self._links[layer] = links
        return links

    def _last_of(self, layer: int) -> dict[str, FileEntry]:
        last = self._last.get(layer)
        if last is None:
            last = {entry.path: entry for entry in self._view.layers[layer].entries}
            self._last[layer] = last
        return last


def regular_files(view: LayerView) -> Iterator[tuple[FileEntry, FileEntry]]:
    """(visible entry, inode entry holding its bytes, mode, owner and capabilities) for every
    regular file of the final filesystem (hard links included), in path order."""
    resolver = InodeResolver(view)
    squashed = view.squashed()
    for path in sorted(squashed):
        entry = squashed[path]
        if entry.type in REGULAR:
            yield entry, resolver.inode(entry)
