"""`caulk db update`: fetch the configured feeds, then re-import only the ones that changed.

Discovery feeds (the Alpine secdb index, yum repositories' updateinfo) are expanded first
(`vulndb.discover`); a discovered file is stored under its feed's `location`.

The database keeps every other source (local imports, feeds no longer configured). `offline` never
creates an HTTP client: it re-imports from the cached downloads only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from caulk.errors import Error, OperationalError
from caulk.vulndb.discover import discover_feeds
from caulk.vulndb.feeds import Feed
from caulk.vulndb.fetch import Download, Fetcher, make_client
from caulk.vulndb.interface import ImportReport
from caulk.vulndb.store import SourceFile, build_store, open_store

__all__ = ["FeedOutcome", "UpdateResult", "update_database"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    feed: Feed
    download: Download | None  # what will be (or is) in the database; None: nothing usable
    error: str | None = None  # why the fetch failed (a cached copy may still be used)


@dataclass(frozen=True, slots=True)
class UpdateResult:
    outcomes: tuple[FeedOutcome, ...]
    reports: tuple[ImportReport, ...]  # the sources re-imported (empty: already up to date)
    offline: bool

    @property
    def failed(self) -> tuple[FeedOutcome, ...]:
        return tuple(o for o in self.outcomes if o.error)


def _imported_digests(db_path: Path) -> dict[str, str]:
    if not db_path.is_file():
        return {}
    try:
        store = open_store(db_path)
    except Error:
        return {}  # corrupt or foreign: rebuild from scratch
    try:
        return {s.location: s.sha256 for s in store.sources()}
    finally:
        store.close()


def update_database(
    db_path: Path,
    feeds: Sequence[Feed],
    feeds_root: Path,
    *,
    offline: bool = False,
    client_factory: Callable[[], httpx.Client] = make_client,
) -> UpdateResult:
    outcomes = []
    client = None if offline else client_factory()
    try:
        plain, discovered = discover_feeds(feeds, client, feeds_root)
        fetcher = Fetcher(client, feeds_root)
        outcomes += [FeedOutcome(feed, None, error) for feed, error in discovered.failures]
        outcomes += [FeedOutcome(feed, fetcher.cached(feed)) for feed in discovered.recalled]
        for feed in (*plain, *discovered.feeds):
            if offline:
                outcomes.append(FeedOutcome(feed, fetcher.cached(feed)))
                continue
            try:
                outcomes.append(FeedOutcome(feed, fetcher.fetch(feed)))
            except Error as exc:
                log.info("%s", exc)  # reported by the caller from the outcome
                outcomes.append(FeedOutcome(feed, fetcher.cached(feed), str(exc)))
    finally:
        if client is not None:
            client.close()
    available = [(o.feed.location, o.download) for o in outcomes if o.download is not None]
    if not available:
        why = "offline and nothing cached" if offline else "no feed could be fetched"
        first = next((f" ({o.error})" for o in outcomes if o.error), "")
        raise OperationalError(f"{why}{first}; the database was not changed", where=str(db_path))
    imported = _imported_digests(db_path)
    stale = [(where, d) for where, d in available if imported.get(where) != d.sha256]
    if not stale:
        return UpdateResult(tuple(outcomes), (), offline)
    sources = [SourceFile(where, d.path, d.last_modified) for where, d in stale]
    reports = build_store(db_path, sources, append=bool(imported))
    return UpdateResult(tuple(outcomes), tuple(reports), offline)
