"""The documented severity precedence (`match.severity`), on real vectors and labels."""

from __future__ import annotations

from caulk.match.severity import rate, rater_of
from caulk.model import Severity
from caulk.vulndb.interface import Advisory, SeverityScore
from caulk.vulndb.metrics.interface import CveSignals, CvssMetric

CVE = "CVE-2019-20477"
NVD_V3 = CvssMetric(CVE, "nvd", "CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8)
NVD_V2 = CvssMetric(CVE, "nvd", "CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5)
CNA_V3 = CvssMetric(
    CVE, "cna:GitHub_M", "CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:U/C:H/I:H/A:N", 5.9
)
CNA_V4 = CvssMetric(
    CVE, "cna:GitHub_M", "CVSS_V4",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3,
)  # fmt: skip
ADP_V3 = CvssMetric(
    CVE, "adp:CISA-ADP", "CVSS_V3", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8
)

DEBIAN = Advisory(id=f"DEBIAN-{CVE}", source="debian-tracker", aliases=(CVE,))
GHSA = Advisory(id="GHSA-3pqx-4fqf-j49f", source="osv:PyPI", aliases=(CVE,))
PYSEC = Advisory(id="PYSEC-2020-176", source="osv:pypa", aliases=(CVE,))
LOW = (SeverityScore("vendor", "LOW"),)
GHSA_SCORES = (
    SeverityScore("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    SeverityScore("vendor", "CRITICAL"),
)


def signals(*metrics: CvssMetric) -> list[CveSignals]:
    return [CveSignals(CVE, metrics)]


def test_os_package_distribution_rating_first() -> None:
    rating = rate("Debian:12", [(DEBIAN, LOW)], signals(NVD_V3))
    assert (rating.severity, rating.source) == (Severity.LOW, "debian")
    # the CVSS shown beside a label is NVD's, and says so
    assert (rating.cvss_score, rating.cvss_source) == (9.8, "nvd")


def test_debian_not_yet_assigned_falls_back_to_nvd() -> None:
    # the tracker's urgency "not yet assigned" becomes no label at import
    rating = rate("Debian:12", [(DEBIAN, ())], signals(NVD_V2, NVD_V3, CNA_V3))
    assert (rating.severity, rating.source, rating.cvss_score) == (Severity.CRITICAL, "nvd", 9.8)
    assert rating.cvss_vector == NVD_V3.vector


def test_language_package_ghsa_first_then_nvd() -> None:
    rating = rate("PyPI", [(PYSEC, ()), (GHSA, GHSA_SCORES)], signals(CNA_V3))
    assert (rating.severity, rating.source, rating.cvss_source) == (
        Severity.CRITICAL, "ghsa", "ghsa",
    )  # fmt: skip
    rating = rate("PyPI", [(PYSEC, ())], signals(ADP_V3, CNA_V3, NVD_V3))
    assert (rating.severity, rating.source) == (Severity.CRITICAL, "nvd")


def test_then_cna_then_adp_then_other_advisories() -> None:
    assert rate("Go", [(PYSEC, ())], signals(ADP_V3, CNA_V3)).source == "cna:GitHub_M"
    adp = rate("Go", [(PYSEC, ())], signals(ADP_V3))
    assert (adp.severity, adp.source, adp.cvss_score) == (Severity.HIGH, "adp:CISA-ADP", 7.8)
    pysec = (SeverityScore("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"),)
    other = rate("PyPI", [(PYSEC, pysec)])
    assert (other.severity, other.source, other.cvss_score) == (Severity.HIGH, "osv:pypa", 7.5)
    none = rate("PyPI", [(PYSEC, ())])
    assert (none.severity, none.source, none.cvss_score) == (Severity.UNKNOWN, "", None)


def test_cvss_v3_before_v4_before_v2_within_one_origin() -> None:
    assert rate("npm", [], signals(CNA_V4, CNA_V3)).cvss_score == 5.9
    assert rate("npm", [], signals(CNA_V4)).cvss_score == 9.3


def test_raters_are_named_by_advisory() -> None:
    assert rater_of(GHSA) == "ghsa"
    assert rater_of(DEBIAN) == "debian"
    assert rater_of(Advisory(id="DSA-5055-1", source="osv:debian-osv")) == "debian"
    assert rater_of(Advisory(id="ALPINE-CVE-2019-1547", source="alpine-secdb")) == "alpine"
    assert rater_of(PYSEC) == "osv:pypa"


def test_real_tracker_entry_not_yet_assigned_is_rated_by_cvss() -> None:
    """The real tracker fixture: openssl CVE-2022-1292 in bullseye has urgency "not yet
    assigned"; with NVD's real 9.8 for it, the vulnerability is CRITICAL from `nvd`."""
    import json
    from pathlib import Path

    from caulk.vulndb.debian_tracker import parse_tracker
    from caulk.vulndb.tally import Tally

    path = Path(__file__).resolve().parents[2] / "fixtures/advisories-import/debian-tracker/json"
    doc = json.loads(path.read_text())
    (adv,) = [
        a
        for a in parse_tracker({"openssl": doc["openssl"]}, "json", Tally("json"))
        if a.id == "DEBIAN-CVE-2022-1292"
    ]
    (bullseye,) = [a for a in adv.affected if a.ecosystem == "Debian:11"]
    assert bullseye.severity == ()  # no label: not yet assigned
    nvd = CvssMetric(
        "CVE-2022-1292", "nvd", "CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8
    )
    rating = rate("Debian:11", [(adv, bullseye.severity)], [CveSignals("CVE-2022-1292", (nvd,))])
    assert (rating.severity, rating.source) == (Severity.CRITICAL, "nvd")
