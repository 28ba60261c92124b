"""CK-IMG-009: package-manager caches left in the final filesystem, one finding per directory.

What counts (regular files only; sizes are the bytes each file's layer stores):
- /var/lib/apt/lists: index files, not `lock`, `partial/` or `auxfiles/`;
- /var/cache/apt: `*.bin` directly in it; /var/cache/apt/archives: `*.deb`;
- /var/cache/apk, /var/cache/yum, /var/cache/dnf: everything;
- pip caches: `/root/.cache/pip` and `/home/USER/.cache/pip`, everything.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from caulk.check.image.interface import ImageContext
from caulk.check.image.rules import CACHE_LEFTOVERS
from caulk.check.rules import Rule
from caulk.fs.inodes import REGULAR, layer_digest
from caulk.fs.interface import FileAnalyzer, FileEntry
from caulk.model import Finding, Location

__all__ = ["LeftoversCheck", "cache_dir"]

_PIP_CACHE = re.compile(r"^(/root/\.cache/pip|/home/[^/]+/\.cache/pip)/")
_WHOLE_DIRS = ("/var/cache/apk", "/var/cache/yum", "/var/cache/dnf")
_APT_LISTS = "/var/lib/apt/lists"
_APT_LISTS_EXCLUDED = ("lock", "partial", "auxfiles")
_CANDIDATES = ("/var/lib/apt/lists/", "/var/cache/", "/root/.cache/pip/", "/home/")


def cache_dir(path: str) -> str | None:
    """The cache directory a file belongs to, or None if it is not a package-manager leftover."""
    if not path.startswith(_CANDIDATES):  # nearly every path: one C-level test
        return None
    if path.startswith(_APT_LISTS + "/"):
        first = path[len(_APT_LISTS) + 1 :].split("/", 1)[0]
        return None if first in _APT_LISTS_EXCLUDED else _APT_LISTS
    parent, name = posixpath.split(path)
    if parent == "/var/cache/apt" and name.endswith(".bin"):
        return parent
    if parent == "/var/cache/apt/archives" and name.endswith(".deb"):
        return parent
    for d in _WHOLE_DIRS:
        if path.startswith(d + "/"):
            return d
    match = _PIP_CACHE.match(path)
    return match.group(1) if match else None


@dataclass(slots=True)
class _Dir:
    files: int = 0
    size: int = 0
    layers: set[int] = field(default_factory=set)

    def add(self, entry: FileEntry) -> None:
        self.files += 1
        self.size += entry.size
        self.layers.add(entry.layer)


class LeftoversCheck:
    rules: tuple[Rule, ...] = (CACHE_LEFTOVERS,)
    analyzers: tuple[FileAnalyzer, ...] = ()

    def run(self, ctx: ImageContext) -> Iterator[Finding]:
        dirs: dict[str, _Dir] = {}
        for path, entry in ctx.view.squashed().items():
            if entry.type not in REGULAR:
                continue
            d = cache_dir(path)
            if d is not None:
                dirs.setdefault(d, _Dir()).add(entry)
        for d, info in sorted(dirs.items()):
            layers = sorted(info.layers)
            last = layers[-1]
            files = f"{info.files} file{'' if info.files == 1 else 's'}"
            yield CACHE_LEFTOVERS.finding(
                f"{d}: {files}, {info.size} bytes left by layer"
                f"{'s' if len(layers) > 1 else ''} {', '.join(map(str, layers))}",
                Location(path=d, layer=last, layer_digest=layer_digest(ctx.view, last)),
                details=(
                    ("files", str(info.files)),
                    ("bytes", str(info.size)),
                    ("layers", ",".join(map(str, layers))),
                ),
            )
