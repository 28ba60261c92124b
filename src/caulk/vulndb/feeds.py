"""The public advisory feeds `caulk db update` fetches, and the feeds file that replaces them.

A feeds file is YAML or JSON: a list (or `{feeds: [...]}`) of URLs or `{url, sha256?, sha256_url?,
discover?}` mappings. `sha256` pins the expected digest; `sha256_url` names a sidecar publishing it;
`discover` says the URL is an index whose files are found at update time (`vulndb.discover`):
`alpine-secdb` (the secdb index: every `vX.Y/` branch's main/community JSON) or `yum-updateinfo`
(a yum `mirror.list` or repository URL: its `repodata/repomd.xml` names `updateinfo.xml.gz` and its
sha256 — Amazon Linux's ALAS).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caulk.errors import UsageError
from caulk.safeload import DocumentError, load_yaml, read_regular
from caulk.vulndb.metrics.feeds import METRIC_FEED_URLS

__all__ = ["DEFAULT_FEEDS", "DISCOVERY_KINDS", "Feed", "load_feeds"]

_OSV = "https://osv-vulnerabilities.storage.googleapis.com/{}/all.zip"
_OSV_ECOSYSTEMS = ("PyPI", "Go", "npm", "Maven", "crates.io", "RubyGems", "NuGet", "Packagist")
_OSV_DISTROS: tuple[str, ...] = ("Debian", "Ubuntu", "Red%20Hat", "AlmaLinux", "Rocky%20Linux")
_OSV_DISTROS += ("SUSE", "openSUSE", "Wolfi", "Chainguard", "Alpine")
_AMAZON = (  # the mirror lists `dnf repolist --verbose` shows inside the images
    "https://cdn.amazonlinux.com/2/core/latest/x86_64/mirror.list",
    "https://cdn.amazonlinux.com/al2023/core/mirrors/latest/x86_64/mirror.list",
)
DISCOVERY_KINDS = ("alpine-secdb", "yum-updateinfo")


@dataclass(frozen=True, slots=True)
class Feed:
    url: str
    sha256: str | None = None
    sha256_url: str | None = None
    discover: str | None = None  # one of DISCOVERY_KINDS: `url` is an index, not a feed file
    label: str | None = None  # the source name in the database when it is not `url` (a
    # discovered file whose URL changes with every repository snapshot)

    @property
    def location(self) -> str:
        return self.label or self.url


DEFAULT_FEEDS: tuple[Feed, ...] = (
    *(Feed(_OSV.format(eco)) for eco in _OSV_ECOSYSTEMS + _OSV_DISTROS),
    Feed("https://security-tracker.debian.org/tracker/data/json"),
    Feed("https://secdb.alpinelinux.org/", discover="alpine-secdb"),
    *(Feed(url, discover="yum-updateinfo") for url in _AMAZON),
    *(Feed(url) for url in METRIC_FEED_URLS),  # CISA KEV, FIRST EPSS, NVD 2.0 per-year feeds
)


def _feed(item: Any, where: str) -> Feed:
    if isinstance(item, str):
        return Feed(item)
    if isinstance(item, dict) and isinstance(item.get("url"), str):
        unknown = set(item) - {"url", "sha256", "sha256_url", "discover"}
        if unknown:
            raise UsageError(f"unknown feed keys {sorted(unknown)}", where=where)
        discover = item.get("discover")
        if discover is not None and discover not in DISCOVERY_KINDS:
            raise UsageError(
                f"discover is one of {', '.join(DISCOVERY_KINDS)}, not {discover!r}", where=where
            )
        return Feed(item["url"], item.get("sha256"), item.get("sha256_url"), discover)
    raise UsageError(f"a feed is a URL or a mapping with `url`, not {item!r}", where=where)


def load_feeds(path: Path) -> tuple[Feed, ...]:
    try:
        raw = load_yaml(read_regular(path, what="feeds file"), where=str(path), what="feeds file")
    except DocumentError as exc:
        raise UsageError(exc.message, where=str(path)) from None
    items = raw.get("feeds") if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        raise UsageError("expected a non-empty list of feeds", where=str(path))
    return tuple(_feed(item, str(path)) for item in items)
