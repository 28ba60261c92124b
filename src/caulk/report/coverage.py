"""The verdict's blind spots, shared by the renderers: which packages were not checked (and why)
and how old the advisory data matched against is."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from caulk.match.interface import UNCHECKED_REASONS, Coverage, Unchecked
from caulk.model import ScanResult, Severity
from caulk.vulndb.interface import SourceFreshness

__all__ = [
    "advisory_data_document",
    "coverage_document",
    "coverage_summary",
    "unchecked_groups",
    "unrated_count",
]


def unrated_count(result: ScanResult) -> int:
    return sum(
        1 for v in result.vulnerabilities if v.ignored is None and v.severity is Severity.UNKNOWN
    )


def coverage_summary(coverage: Coverage) -> dict[str, Any]:
    return {
        "packages": coverage.packages,
        "checked": coverage.checked,
        "unchecked": len(coverage.unchecked),
        "uncheckedByReason": coverage.by_reason(),
    }


def _unchecked(item: Unchecked) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": item.name,
        "version": item.version,
        "purl": item.purl,
        "ecosystem": item.ecosystem,
        "reason": item.reason,
        "detail": item.detail,
    }
    location = {k: v for k, v in (("path", item.location.path), ("layer", item.location.layer))}
    doc["location"] = {k: v for k, v in location.items() if v is not None}
    return doc


def coverage_document(coverage: Coverage) -> dict[str, Any]:
    return {
        **coverage_summary(coverage),
        "uncheckedPackages": [_unchecked(u) for u in coverage.unchecked],
    }


def advisory_data_document(sources: tuple[SourceFreshness, ...]) -> list[dict[str, Any]]:
    out = []
    for s in sources:
        doc: dict[str, Any] = {"location": s.location}
        if s.data_date:
            doc["dataDate"] = s.data_date
            doc["dateBasis"] = s.date_basis
        doc |= {"importedAt": s.imported_at, "records": s.records, "ecosystems": list(s.ecosystems)}
        out.append(doc)
    return out


def unchecked_groups(coverage: Coverage) -> list[tuple[str, str, list[Unchecked]]]:
    """(reason label, detail, packages) per distinct reason and detail, largest group first."""
    groups: dict[tuple[str, str], list[Unchecked]] = defaultdict(list)
    for item in coverage.unchecked:
        groups[(item.reason, item.detail)].append(item)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [(UNCHECKED_REASONS.get(r, r), detail, items) for (r, detail), items in ordered]
