"""Counting what an import read, skipped and flagged; frozen into an `ImportReport` at the end."""

from __future__ import annotations

import logging
from datetime import datetime

from caulk.vulndb.dates import format_utc, record_date
from caulk.vulndb.interface import Advisory, ImportReport
from caulk.vulndb.names import is_known_ecosystem

__all__ = ["MAX_ERRORS", "Tally"]

log = logging.getLogger(__name__)

MAX_ERRORS = 20  # reasons kept in the report; the count is always complete


class Tally:
    """Mutable counters for one import source."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.imported = 0
        self.skipped = 0
        self.duplicates = 0
        self.errors: list[str] = []
        self.unknown: set[str] = set()
        self.ecosystems: set[str] = set()  # of every stored record's affected entries
        self.newest_modified: datetime | None = None
        self.feed_timestamp: datetime | None = None  # the feed's own date, when it says one
        self.not_after: datetime | None = None  # later `modified` dates are bogus: not counted

    def skip(self, where: str, why: str) -> None:
        self.skipped += 1
        reason = " ".join(f"{where}: {why}".split())[:300]
        log.debug("skipped %s", reason)
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(reason)

    def ecosystem(self, ecosystem: str) -> None:
        if not is_known_ecosystem(ecosystem):
            self.unknown.add(ecosystem)

    def observe(self, adv: Advisory) -> None:
        """Note what one stored record tells about the data: its ecosystems and its date (its
        `modified`, or `published` where `modified` is a placeholder such as Go's 0001-01-01)."""
        self.ecosystems.update(a.ecosystem for a in adv.affected)
        for text in (adv.modified, adv.published):
            stamp = record_date(text)
            if stamp is None or (self.not_after is not None and stamp > self.not_after):
                continue
            if self.newest_modified is None or stamp > self.newest_modified:
                self.newest_modified = stamp

    def report(self) -> ImportReport:
        return ImportReport(
            source=self.source,
            imported=self.imported,
            skipped=self.skipped,
            errors=tuple(self.errors),
            unknown_ecosystems=tuple(sorted(self.unknown)),
            duplicates=self.duplicates,
            ecosystems=tuple(sorted(self.ecosystems)),
            newest_modified=format_utc(self.newest_modified) if self.newest_modified else None,
            feed_timestamp=format_utc(self.feed_timestamp) if self.feed_timestamp else None,
        )
