"""The contract of `match/`: an `Inventory` and an `AdvisoryStore` in, `Vulnerability` values out.

One `Vulnerability` per (package location, weakness): advisories that alias each other (CVE ⇄ GHSA ⇄
PYSEC ⇄ GO ⇄ DSA/DLA) are merged into one, whose `id` prefers the CVE. A package whose version
cannot be read under its ecosystem's rules yields an `Unknown` ("version not understood"), never
"not vulnerable".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from caulk.model import Location, Severity

__all__ = ["FixState", "Vulnerability"]

FixState = str  # "fixed" | "not_fixed" | "will_not_fix" | "fix_deferred" | "end_of_life"


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
    severity_source: str  # "vendor", "CVSS_V3", "CVSS_V4", "CVSS_V2" or "" for UNKNOWN
    fix_state: FixState
    fixed_version: str | None = None
    cvss: tuple[tuple[str, str, float], ...] = ()  # (type, vector, base score)
    title: str = ""
    advisories: tuple[str, ...] = ()  # ids of the advisory records that matched
    references: tuple[str, ...] = ()
    location: Location = field(default_factory=Location)
    source_package: str | None = None  # distro source package the advisory names
    ignored: str | None = None  # reason, when an ignore rule or VEX statement suppressed it
