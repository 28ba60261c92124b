"""Counting what an import read, skipped and flagged; frozen into an `ImportReport` at the end."""

from __future__ import annotations

import logging

from caulk.vulndb.interface import ImportReport
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

    def skip(self, where: str, why: str) -> None:
        self.skipped += 1
        reason = " ".join(f"{where}: {why}".split())[:300]
        log.debug("skipped %s", reason)
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(reason)

    def ecosystem(self, ecosystem: str) -> None:
        if not is_known_ecosystem(ecosystem):
            self.unknown.add(ecosystem)

    def report(self) -> ImportReport:
        return ImportReport(
            source=self.source,
            imported=self.imported,
            skipped=self.skipped,
            errors=tuple(self.errors),
            unknown_ecosystems=tuple(sorted(self.unknown)),
            duplicates=self.duplicates,
        )
