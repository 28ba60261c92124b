"""The contract of `vulndb.metrics`: per-CVE severity metrics and exploitation signals, imported
beside the advisories and looked up by CVE id.

Sources and what each yields:
- NVD (API 2.0 pages, the NVD 2.0 per-year feeds, fkie-cad per-CVE files, the legacy 1.1 feed):
  CVSS v4.0/v3.1/v3.0/v2 metrics, origin `nvd` (NVD's own "Primary" score) or `cna:<source>`
  (the "Secondary" scores NVD republishes from the CNA).
- CVE JSON 5.x records (cvelistV5, CISA vulnrichment): CVSS from the CNA container (origin
  `cna:<shortName>`) and from ADP containers (`adp:<shortName>`, e.g. `adp:CISA-ADP`); SSVC
  decisions; the KEV entries CISA's ADP container carries.
- the CISA KEV catalog (JSON): `KevEntry`.
- FIRST EPSS (CSV, usually gzip): `EpssScore`.

Every CVSS vector is scored with the `cvss` package at import; a vector that does not parse, or
whose stated base score disagrees with it, is skipped and counted, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

__all__ = [
    "METRIC_KINDS",
    "CveSignals",
    "CvssMetric",
    "EpssScore",
    "KevEntry",
    "MetricsLookup",
    "SsvcDecision",
]

METRIC_KINDS = ("nvd", "cve5", "kev", "epss")  # what `caulk db import --kind` names


@dataclass(frozen=True, slots=True)
class CvssMetric:
    cve: str
    origin: str  # "nvd", "cna:<who>", "adp:<who>"
    kind: str  # "CVSS_V4" | "CVSS_V3" | "CVSS_V2"
    vector: str
    score: float  # computed from the vector


@dataclass(frozen=True, slots=True)
class SsvcDecision:
    cve: str
    origin: str
    exploitation: str  # "none" | "poc" | "active"
    automatable: str  # "yes" | "no"
    technical_impact: str  # "partial" | "total"


@dataclass(frozen=True, slots=True)
class KevEntry:
    cve: str
    date_added: str
    due_date: str | None = None
    ransomware: str | None = None  # KEV's knownRansomwareCampaignUse ("Known", "Unknown")
    origin: str = "cisa-kev"


@dataclass(frozen=True, slots=True)
class EpssScore:
    cve: str
    epss: float  # probability of exploitation activity in the next 30 days, 0..1
    percentile: float
    score_date: str | None = None


@dataclass(frozen=True, slots=True)
class CveSignals:
    """Everything the database knows about one CVE beyond its advisories."""

    cve: str
    cvss: tuple[CvssMetric, ...] = ()
    ssvc: tuple[SsvcDecision, ...] = ()
    kev: KevEntry | None = None
    epss: EpssScore | None = None


@runtime_checkable
class MetricsLookup(Protocol):
    """Implemented by stores that hold metrics (`SqliteStore`)."""

    def signals(self, cve: str) -> CveSignals: ...
