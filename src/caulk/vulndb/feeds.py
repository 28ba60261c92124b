"""The public advisory feeds `caulk db update` fetches, and the feeds file that replaces them.

A feeds file is YAML or JSON: a list (or `{feeds: [...]}`) of URLs or `{url, sha256?, sha256_url?}`
mappings. `sha256` pins the expected digest; `sha256_url` names a sidecar publishing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from caulk.errors import UsageError
from caulk.vulndb.metrics.feeds import METRIC_FEED_URLS

__all__ = ["DEFAULT_FEEDS", "Feed", "load_feeds"]

_OSV = "https://osv-vulnerabilities.storage.googleapis.com/{}/all.zip"
_OSV_ECOSYSTEMS = ("PyPI", "Go", "npm", "Maven", "crates.io", "RubyGems", "NuGet", "Packagist")
_ALPINE = "https://secdb.alpinelinux.org/{}/{}.json"
_ALPINE_RELEASES = ("v3.18", "v3.19", "v3.20", "v3.21", "v3.22")


@dataclass(frozen=True, slots=True)
class Feed:
    url: str
    sha256: str | None = None
    sha256_url: str | None = None


DEFAULT_FEEDS: tuple[Feed, ...] = (
    *(Feed(_OSV.format(eco)) for eco in _OSV_ECOSYSTEMS),
    Feed("https://security-tracker.debian.org/tracker/data/json"),
    *(
        Feed(_ALPINE.format(rel, repo))
        for rel in _ALPINE_RELEASES
        for repo in ("main", "community")
    ),
    *(Feed(url) for url in METRIC_FEED_URLS),  # CISA KEV, FIRST EPSS, NVD 2.0 per-year feeds
)


def _feed(item: Any, where: str) -> Feed:
    if isinstance(item, str):
        return Feed(item)
    if isinstance(item, dict) and isinstance(item.get("url"), str):
        unknown = set(item) - {"url", "sha256", "sha256_url"}
        if unknown:
            raise UsageError(f"unknown feed keys {sorted(unknown)}", where=where)
        return Feed(item["url"], item.get("sha256"), item.get("sha256_url"))
    raise UsageError(f"a feed is a URL or a mapping with `url`, not {item!r}", where=where)


def load_feeds(path: Path) -> tuple[Feed, ...]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(f"cannot read the feeds file: {exc}", where=str(path)) from exc
    items = raw.get("feeds") if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        raise UsageError("expected a non-empty list of feeds", where=str(path))
    return tuple(_feed(item, str(path)) for item in items)
