"""The contract of `vulndb/`: advisories normalised into one OSV-shaped domain model, imported from
OSV (JSON/YAML, dir or zip), the Debian security tracker and Alpine secdb, stored locally (SQLite by
default) and queried read-only by the matchers.

    store = open_store(path)                      # vulndb.store.open_store
    for adv, affected in store.affecting("Debian:12", "openssl"): ...

Names are stored normalised per ecosystem (`vulndb.names.normalize_name`): PyPI per PEP 503, npm
lower-case, Debian/Alpine source names as-is, Go module paths as-is, Maven `group:artifact`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = [
    "Advisory",
    "AdvisoryStore",
    "Affected",
    "AffectedRange",
    "DistroStatus",
    "ImportReport",
    "RangeEvent",
    "SeverityScore",
    "SourceFreshness",
]

DistroStatus = Literal[
    "fixed", "affected", "will_not_fix", "fix_deferred", "end_of_life", "not_affected"
]


@dataclass(frozen=True, slots=True)
class RangeEvent:
    """Exactly one field is set, as in OSV."""

    introduced: str | None = None
    fixed: str | None = None
    last_affected: str | None = None
    limit: str | None = None


@dataclass(frozen=True, slots=True)
class AffectedRange:
    type: str  # "ECOSYSTEM" | "SEMVER" | "GIT"
    events: tuple[RangeEvent, ...]
    repo: str | None = None


@dataclass(frozen=True, slots=True)
class SeverityScore:
    type: str  # "CVSS_V2" | "CVSS_V3" | "CVSS_V4" | "Ubuntu" | "vendor"
    score: str  # vector string or a vendor label such as "HIGH"


@dataclass(frozen=True, slots=True)
class Affected:
    ecosystem: str  # OSV ecosystem, e.g. "Debian:11", "Alpine:v3.11", "PyPI", "Go", "npm"
    name: str  # normalised package name (source package for distros)
    ranges: tuple[AffectedRange, ...] = ()
    versions: tuple[str, ...] = ()  # explicit affected versions
    purl: str | None = None
    status: DistroStatus | None = None  # distro trackers; None for plain OSV
    severity: tuple[SeverityScore, ...] = ()  # affected-level (e.g. distro urgency)
    ecosystem_specific: tuple[
        tuple[str, str], ...
    ] = ()  # e.g. ("imports", "…") kept as JSON strings


@dataclass(frozen=True, slots=True)
class Advisory:
    id: str
    source: str  # "osv:go-vulndb", "osv:pypa", "debian-tracker", "alpine-secdb", …
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    summary: str = ""
    details: str = ""
    published: str | None = None
    modified: str | None = None
    withdrawn: str | None = None
    severity: tuple[SeverityScore, ...] = ()
    references: tuple[str, ...] = ()
    affected: tuple[Affected, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportReport:
    source: str
    imported: int
    skipped: int  # malformed records, counted, never aborting the import
    errors: tuple[str, ...] = ()  # first few one-line reasons ("file: what")
    unknown_ecosystems: tuple[str, ...] = ()  # imported, but no caulk matcher knows them
    duplicates: int = 0  # records whose id was already read from the same source (first kept)
    ecosystems: tuple[str, ...] = ()  # of the records stored
    newest_modified: str | None = None  # the newest record `modified` (UTC), never in the future
    feed_timestamp: str | None = None  # the feed's own date (UTC), when it carries one


@dataclass(frozen=True, slots=True)
class SourceFreshness:
    """How old one imported source's data is: the feed's own timestamp, else its newest record's
    `modified`; `data_date` None when it has neither (`date_basis` then "")."""

    location: str
    data_date: str | None  # ISO 8601 UTC
    date_basis: str  # "feed timestamp" | "newest record" | ""
    imported_at: str
    records: int
    ecosystems: tuple[str, ...] = ()


class AdvisoryStore(Protocol):
    """Read-only query API for the matchers."""

    def affecting(self, ecosystem: str, name: str) -> Iterator[tuple[Advisory, Affected]]:
        """Every (advisory, affected entry) for this ecosystem and normalised package name.
        Ecosystems match by their canonical name (`vulndb.ecosystems`: "Ubuntu:22.04:LTS" is
        "Ubuntu:22.04"), releases exactly ("Debian:12"); withdrawn advisories are never returned."""
        ...

    def get(self, advisory_id: str) -> Advisory | None: ...

    def ecosystems(self) -> tuple[str, ...]: ...

    def freshness(self) -> tuple[SourceFreshness, ...]:
        """Per imported source: its data's own date, records, import time and ecosystems."""
        ...
