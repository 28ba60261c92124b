"""caulk.vulndb.metrics: CVE severity metrics (NVD, CVE JSON 5) and exploitation signals (CISA
KEV, FIRST EPSS), imported into the advisory store and looked up per CVE."""

from caulk.vulndb.metrics.interface import (
    METRIC_KINDS,
    CveSignals,
    CvssMetric,
    EpssScore,
    KevEntry,
    MetricsLookup,
    SsvcDecision,
)

__all__ = [
    "METRIC_KINDS",
    "CveSignals",
    "CvssMetric",
    "EpssScore",
    "KevEntry",
    "MetricsLookup",
    "SsvcDecision",
]
