"""Gate rules about what a verdict could not see: vulnerabilities without a severity rating,
packages that were not checked, advisory data older than allowed.

Unrated vulnerabilities fail closed: with `--fail-on` set, each counts as failing it unless
`unrated_as` gives them a severity to compare instead.
"""

from __future__ import annotations

from datetime import timedelta

from caulk.model import ScanResult, Severity
from caulk.policy.freshness import describe_stale, stale_sources
from caulk.vulndb.dates import parse_utc

__all__ = ["stale_reasons", "unchecked_reasons", "unrated_reasons"]


def unrated_reasons(
    result: ScanResult, fail_on: Severity | None, unrated_as: Severity | None
) -> list[str]:
    """Why the unrated vulnerabilities fail `fail_on` (none when they are rated below it)."""
    if fail_on is None:
        return []
    unrated = [
        v for v in result.vulnerabilities if v.ignored is None and v.severity is Severity.UNKNOWN
    ]
    if not unrated:
        return []
    names = sorted({v.id for v in unrated})
    ids = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    if unrated_as is None:
        return [
            f"{len(unrated)} vulnerabilities have no severity rating ({ids}) and count as"
            f" failing --fail-on {fail_on.name} (set --unrated-as SEVERITY to rate them)"
        ]
    if unrated_as >= fail_on:
        return [
            f"{len(unrated)} vulnerabilities have no severity rating ({ids}),"
            f" taken as {unrated_as.name} (--unrated-as), at or above {fail_on.name}"
        ]
    return []


def unchecked_reasons(result: ScanResult) -> list[str]:
    coverage = result.coverage
    if coverage is None or not coverage.unchecked:
        return []
    counts = ", ".join(f"{n} {reason}" for reason, n in coverage.by_reason().items() if n)
    return [
        f"{len(coverage.unchecked)} of {coverage.packages} packages were not checked ({counts})"
    ]


def stale_reasons(result: ScanResult, max_age: timedelta) -> list[str]:
    """The scan's own clock (`scanned_at`) against the dates of the data it matched against."""
    now = parse_utc(result.scanned_at)
    if now is None or not result.advisory_data:
        return []
    stale = stale_sources(result.advisory_data, now, max_age)
    return [describe_stale(stale, max_age)] if stale else []
