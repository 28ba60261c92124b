"""Severity of an advisory: the vendor's rating first (distro urgency, GHSA's label), then CVSS
(v4, v3, v2 vectors scored with the `cvss` package), else UNKNOWN."""

from __future__ import annotations

import logging

from cvss import CVSS2, CVSS3, CVSS4
from cvss.exceptions import CVSSError

from caulk.model import Severity
from caulk.vulndb.interface import SeverityScore

__all__ = ["score_vector", "severity_from_score", "severity_of"]

log = logging.getLogger(__name__)

_LABELS = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "IMPORTANT": Severity.HIGH,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "NEGLIGIBLE": Severity.LOW,
    "UNIMPORTANT": Severity.LOW,
}
_CVSS_ORDER = ("CVSS_V4", "CVSS_V3", "CVSS_V2")


def severity_from_score(score: float) -> Severity:
    """The CVSS v3/v4 qualitative rating scale."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.UNKNOWN


def score_vector(kind: str, vector: str) -> float | None:
    try:
        if kind == "CVSS_V4":
            return float(CVSS4(vector).base_score)
        if kind == "CVSS_V3":
            return float(CVSS3(vector).scores()[0])
        if kind == "CVSS_V2":
            return float(CVSS2(vector).scores()[0])
    except (CVSSError, ValueError, KeyError, IndexError) as exc:
        log.debug("cannot score %s %r: %s", kind, vector, exc)
    return None


def severity_of(
    scores: tuple[SeverityScore, ...],
) -> tuple[Severity, str, tuple[tuple[str, str, float], ...]]:
    """(severity, where it came from, every scorable CVSS vector with its base score)."""
    cvss: list[tuple[str, str, float]] = []
    vendor: Severity | None = None
    for item in scores:
        kind = item.type.upper()
        if kind in _CVSS_ORDER:
            value = score_vector(kind, item.score)
            if value is not None:
                cvss.append((kind, item.score, value))
        elif vendor is None and item.score.strip().upper() in _LABELS:
            vendor = _LABELS[item.score.strip().upper()]
    if vendor is not None:
        return vendor, "vendor", tuple(cvss)
    for kind in _CVSS_ORDER:
        for found_kind, _vector, value in cvss:
            if found_kind == kind:
                return severity_from_score(value), kind, tuple(cvss)
    return Severity.UNKNOWN, "", tuple(cvss)
