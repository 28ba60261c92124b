"""The contract of `match/`: an `Inventory` and an `AdvisoryStore` in, `Vulnerability` values out.

One `Vulnerability` per (package location, weakness): advisories that alias each other (CVE ⇄ GHSA ⇄
PYSEC ⇄ GO ⇄ DSA/DLA) are merged into one, whose `id` prefers the CVE. A package whose version
cannot be read under its ecosystem's rules yields an `Unknown` ("version not understood"), never
"not vulnerable".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from caulk.model import Location, Severity

__all__ = ["UNCHECKED_REASONS", "Coverage", "FixState", "Unchecked", "Vulnerability"]

FixState = Literal["fixed", "not_fixed", "will_not_fix", "fix_deferred", "end_of_life"]


@dataclass(frozen=True, slots=True)
class Vulnerability:
    id: str  # preferred identifier (a CVE when the group has exactly one)
    aliases: tuple[str, ...]  # every other identifier merged into this finding, sorted
    package_name: str
    package_version: str
    package_type: str  # purl type
    purl: str
    ecosystem: str
    severity: Severity
    severity_source: str  # who rated it (`match.severity`): "debian", "ghsa", "nvd", "cna:…", ""
    fix_state: FixState
    fixed_version: str | None = None
    cvss: tuple[tuple[str, str, float], ...] = ()  # (type, vector, base score)
    title: str = ""
    advisories: tuple[str, ...] = ()  # ids of the advisory records that matched
    references: tuple[str, ...] = ()
    location: Location = field(default_factory=Location)
    source_package: str | None = None  # distro source package the advisory names
    ignored: str | None = None  # reason, when an ignore rule or VEX statement suppressed it
    cvss_score: float | None = None  # the CVSS that rated it (or is shown beside a label)
    cvss_vector: str = ""
    cvss_source: str = ""  # whose vector: "nvd", "cna:…", "adp:…", "ghsa", "debian", …
    kev: str | None = None  # the date CISA added it to the KEV catalog (known exploited)
    epss: float | None = None  # FIRST EPSS probability of exploitation (30 days), 0..1
    epss_percentile: float | None = None
    ssvc: str = ""  # CISA's SSVC decision points, e.g. "Exploitation:active/Automatable:yes/…"

    @property
    def risk_key(self) -> tuple[int, int, float]:
        """Sort key, most urgent first: known exploited, then severity, then EPSS."""
        return (0 if self.kev else 1, -int(self.severity), -(self.epss or 0.0))


# Why a package was not checked against advisories (the `reason` of `Unchecked`).
UNCHECKED_REASONS = {
    "no-data": "no data for this ecosystem/release",
    "end-of-life": "end-of-life release",
    "version-not-understood": "version not understood",
}


@dataclass(frozen=True, slots=True)
class Unchecked:
    """A package the scan could not check: its verdict says nothing about it."""

    name: str
    version: str
    purl: str
    ecosystem: str
    reason: str  # a key of UNCHECKED_REASONS
    detail: str  # one line for the user
    location: Location = field(default_factory=Location)


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of the inventory the advisory data could speak for."""

    packages: int
    unchecked: tuple[Unchecked, ...] = ()

    @property
    def checked(self) -> int:
        return self.packages - len(self.unchecked)

    def by_reason(self) -> dict[str, int]:
        counts = dict.fromkeys(UNCHECKED_REASONS, 0)
        for item in self.unchecked:
            counts[item.reason] = counts.get(item.reason, 0) + 1
        return counts
