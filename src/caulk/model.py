"""Domain values shared by several stages: severities, locations, findings, unknowns, results.

Everything here is a frozen dataclass; results are keyed by image digest so the server can store
and re-use them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caulk.catalog.interface import Distro, Package
    from caulk.fs.efficiency import Efficiency
    from caulk.match.interface import Coverage, Vulnerability
    from caulk.vulndb.interface import SourceFreshness

__all__ = [
    "Finding",
    "Location",
    "ScanResult",
    "Severity",
    "Target",
    "Unknown",
]


class Severity(enum.IntEnum):
    """Ordered severities. UNKNOWN ranks lowest (as in Trivy) for sorting; the gate never lets an
    unrated vulnerability pass silently (`policy.blind_spots.unrated_reasons`)."""

    UNKNOWN = 0
    INFO = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4
    CRITICAL = 5

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.name for s in cls)
            from caulk.errors import UsageError

            raise UsageError(f"unknown severity {text!r} (expected one of {names})") from None

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding is: a path in the image (with the layer that put it there), a config field,
    or a line/column in a Dockerfile. Layers are 0-based indexes into the image's layer list."""

    path: str | None = None
    layer: int | None = None
    layer_digest: str | None = None  # diff_id of that layer
    field: str | None = None  # e.g. "config.User", "config.Env[3]", "history[5].created_by"
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule violation. `rule_id` is stable (e.g. CK-IMG-001); title/remediation come from the
    rule registry; `message` is specific to this occurrence."""

    rule_id: str
    severity: Severity
    title: str
    message: str
    location: Location = field(default_factory=Location)
    remediation: str = ""
    docs_url: str = ""
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Unknown:
    """Something that could not be read or understood. Reported, never silently dropped."""

    location: Location
    reason: str


@dataclass(frozen=True, slots=True)
class Target:
    """What was scanned. `digest` is the key for stored results: the manifest digest when there is
    one, else the config digest (image ID)."""

    reference: str
    transport: str
    digest: str
    config_digest: str
    manifest_digest: str | None = None
    tag: str | None = None
    os: str = ""
    architecture: str = ""
    layer_count: int = 0
    size: int = 0  # total uncompressed bytes of all layers


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The outcome of one scan. Stages append their own sections; renderers read only this."""

    target: Target
    findings: tuple[Finding, ...] = ()
    unknowns: tuple[Unknown, ...] = ()
    efficiency: Efficiency | None = None
    scanned_at: str = ""  # RFC 3339, injected clock
    caulk_version: str = ""
    distro: Distro | None = None
    packages: tuple[Package, ...] | None = None  # None: packages were not catalogued
    vulnerabilities: tuple[Vulnerability, ...] = ()  # ignored ones carry `ignored`
    notices: tuple[str, ...] = ()  # warnings for the user: EOL distro, expired ignores, …
    coverage: Coverage | None = None  # packages checked and not (None: nothing was matched)
    advisory_data: tuple[SourceFreshness, ...] = ()  # the advisory sources matched against
