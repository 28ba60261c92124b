"""The severity of one vulnerability, with where it came from (like trivy and grype).

Precedence (the first source that rates the vulnerability wins):

OS packages (dpkg, apk, rpm: every ecosystem that is not a language registry)
  1. the distribution's own rating: its label (Debian urgency, Ubuntu priority, Alpine, Red Hat
     …), else a CVSS vector in its own record; Debian's "not yet assigned" is no rating;
  2. NVD's CVSS (origin `nvd`);
  3. the CNA's CVSS (`cna:<who>`, from the CVE record or republished by NVD);
  4. an ADP's CVSS (`adp:<who>`, e.g. CISA's vulnrichment);
  5. any other advisory's label or vector.
Language packages (PyPI, npm, Go, Maven, …)
  1. GitHub's advisory (GHSA): its label, else its CVSS vector;
  2-4. NVD, CNA, ADP as above;
  5. any other advisory's label or vector (PyPA, Go vulndb rarely carry one).

Within one CVSS origin, v3.x is preferred, then v4.0, then v2 (the versions the anchors show
first); several scores of one version from one origin (a CNA's scenarios) → the highest. With no
source at all the severity is UNKNOWN and `source` is "". When a label decided, the CVSS shown
is the rater's own vector, else the best CVSS by the same order, with its origin.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from caulk.model import Severity
from caulk.vulndb.interface import Advisory, SeverityScore
from caulk.vulndb.metrics.cvss import score_vector
from caulk.vulndb.metrics.interface import CveSignals, CvssMetric
from caulk.vulndb.names import base_ecosystem

__all__ = [
    "LANGUAGE_ECOSYSTEMS",
    "Rated",
    "Rating",
    "rate",
    "rater_of",
    "score_vector",
    "severity_from_score",
]

LANGUAGE_ECOSYSTEMS = frozenset(
    {"PyPI", "npm", "Go", "Maven", "crates.io", "RubyGems", "NuGet", "Packagist", "Pub", "Hex",
     "Hackage", "CRAN", "SwiftURL", "ConanCenter", "GHC", "Bioconductor", "Julia"}
)  # fmt: skip
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
_CVSS_ORDER = ("CVSS_V3", "CVSS_V4", "CVSS_V2")
_RATERS = (
    ("GHSA-", "ghsa"),
    ("DSA-", "debian"),
    ("DLA-", "debian"),
    ("DTSA-", "debian"),
    ("DEBIAN-", "debian"),
    ("ALPINE-", "alpine"),
    ("USN-", "ubuntu"),
    ("UBUNTU-", "ubuntu"),
    ("RHSA-", "redhat"),
    ("RHBA-", "redhat"),
    ("ALSA-", "almalinux"),
    ("RLSA-", "rocky"),
    ("ALAS", "amazon"),
    ("SUSE-", "suse"),
    ("openSUSE-", "suse"),
    ("CGA-", "chainguard"),
    ("MINI-", "minimos"),
)


@dataclass(frozen=True, slots=True)
class Rating:
    severity: Severity
    source: str  # who rated it: "debian", "ghsa", "nvd", "cna:…", "adp:…", "osv:pypa", "" (none)
    cvss_score: float | None = None  # the CVSS used (or shown beside a label)
    cvss_vector: str = ""
    cvss_source: str = ""  # whose vector that is


@dataclass(frozen=True, slots=True)
class Rated:
    """The severity information of one advisory record, by its rater."""

    rater: str
    label: Severity | None
    cvss: tuple[CvssMetric, ...]


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


def rater_of(advisory: Advisory) -> str:
    for prefix, rater in _RATERS:
        if advisory.id.startswith(prefix):
            return rater
    source = advisory.source
    for suffix in ("-tracker", "-secdb", "-lists"):
        source = source.removesuffix(suffix)
    return source


def _rated(advisory: Advisory, scores: Iterable[SeverityScore]) -> Rated:
    rater = rater_of(advisory)
    label: Severity | None = None
    cvss: list[CvssMetric] = []
    for item in scores:
        kind = item.type.upper()
        if kind in _CVSS_ORDER:
            value = score_vector(kind, item.score)
            if value is not None:
                cvss.append(CvssMetric(advisory.id, rater, kind, item.score, value))
        else:
            found = _LABELS.get(item.score.strip().upper())
            if found is not None and (label is None or found > label):
                label = found
    return Rated(rater, label, tuple(cvss))


def _best_cvss(metrics: Iterable[CvssMetric]) -> CvssMetric | None:
    metrics = list(metrics)
    for kind in _CVSS_ORDER:
        of_kind = [m for m in metrics if m.kind == kind]
        if of_kind:
            return max(of_kind, key=lambda m: (m.score, m.vector))
    return None


def _from_cvss(metric: CvssMetric, source: str) -> Rating:
    return Rating(
        severity_from_score(metric.score), source, metric.score, metric.vector, metric.origin
    )


def _from_records(records: Sequence[Rated], fallback: CvssMetric | None) -> Rating | None:
    """The highest label among `records` (with the rater's own CVSS, else `fallback`), else
    their best CVSS."""
    labelled = [r for r in records if r.label is not None]
    if labelled:
        top = max(labelled, key=lambda r: (r.label, r.rater))
        assert top.label is not None
        shown = _best_cvss(top.cvss) or fallback
        if shown is None:
            return Rating(top.label, top.rater)
        return Rating(top.label, top.rater, shown.score, shown.vector, shown.origin)
    best = _best_cvss(m for r in records for m in r.cvss)
    if best is not None:
        return _from_cvss(best, best.origin)
    return None


def rate(
    ecosystem: str,
    advisories: Sequence[tuple[Advisory, tuple[SeverityScore, ...]]],
    signals: Sequence[CveSignals] = (),
) -> Rating:
    """The rating of one vulnerability in a package of `ecosystem`: `advisories` are its
    records with the scores that apply (affected-level first), `signals` the metrics of its
    CVEs."""
    records = [_rated(adv, scores) for adv, scores in advisories]
    metrics = [m for s in signals for m in s.cvss]
    tiers = (
        [m for m in metrics if m.origin == "nvd"],
        [m for m in metrics if m.origin.startswith("cna:")],
        [m for m in metrics if m.origin.startswith("adp:")],
    )
    central = next((b for b in (_best_cvss(t) for t in tiers) if b is not None), None)
    language = base_ecosystem(ecosystem) in LANGUAGE_ECOSYSTEMS
    # an OS package matches only its distribution's records; a language package trusts GHSA
    own = _from_records([r for r in records if r.rater == "ghsa"] if language else records, central)
    if own is not None:
        return own
    for tier in tiers:
        best = _best_cvss(tier)
        if best is not None:
            return _from_cvss(best, best.origin)
    rest = _from_records(records, None)
    return rest if rest is not None else Rating(Severity.UNKNOWN, "")
