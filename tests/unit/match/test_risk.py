"""KEV, EPSS and the CVE metrics reach every matched vulnerability; results are sorted by risk
(known exploited first, then severity, then EPSS)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from caulk.catalog.interface import Inventory, Package
from caulk.match.matcher import match_inventory
from caulk.model import Location, Severity
from caulk.vulndb.store import SourceFile, build_store, open_store

METRICS = Path(__file__).resolve().parents[2] / "fixtures" / "metrics"
EMBEDDED = Path(str(resources.files("caulk") / "data" / "advisories"))


def _pkg(name: str, version: str) -> Package:
    return Package(
        name=name,
        version=version,
        type="pypi",
        ecosystem="PyPI",
        purl=f"pkg:pypi/{name}@{version}",
        locations=(Location(path=f"/usr/lib/python3/dist-packages/{name}.dist-info/METADATA"),),
    )


def test_signals_and_risk_order(tmp_path: Path) -> None:
    kev = json.loads((METRICS / "kev-excerpt.json").read_text())
    kev["vulnerabilities"][0]["cveID"] = "CVE-2019-11236"  # a MEDIUM urllib3 CVE, as if exploited
    (tmp_path / "kev.json").write_text(json.dumps(kev))
    (tmp_path / "epss.csv").write_text(
        "cve,epss,percentile\nCVE-2020-1747,0.01,0.5\nCVE-2020-14343,0.2,0.9\n"
    )
    db = tmp_path / "db.sqlite"
    build_store(
        db,
        [
            SourceFile("pypa", EMBEDDED / "pypa.zip"),
            SourceFile("nvd", METRICS / "nvd-api-page.json"),
            SourceFile("kev", tmp_path / "kev.json"),
            SourceFile("epss", tmp_path / "epss.csv"),
        ],
    )
    result = match_inventory(
        Inventory(None, (_pkg("PyYAML", "5.1"), _pkg("urllib3", "1.24.1"))), open_store(db)
    )
    vulns = result.vulnerabilities
    assert vulns[0].id == "CVE-2019-11236" and vulns[0].kev == "2026-06-12"
    assert vulns[0].severity is Severity.MEDIUM and vulns[0].severity_source == "nvd"
    critical = [v.id for v in vulns if v.severity is Severity.CRITICAL]
    assert critical == ["CVE-2020-14343", "CVE-2020-1747", "CVE-2019-20477"]  # by EPSS, then none
    by_id = {v.id: v for v in vulns}
    assert (by_id["CVE-2020-14343"].epss, by_id["CVE-2020-14343"].epss_percentile) == (0.2, 0.9)
    assert by_id["CVE-2019-20477"].epss is None and by_id["CVE-2019-20477"].kev is None
    assert [v.risk_key for v in vulns] == sorted(v.risk_key for v in vulns)


def test_ghsa_rates_a_language_package_before_nvd(tmp_path: Path) -> None:
    """The real GHSA record of urllib3 CVE-2023-43804 says MODERATE (CVSS 5.9); NVD says 8.1
    HIGH. For a PyPI package GHSA's own rating wins, and the output says so."""
    db = tmp_path / "db.sqlite"
    build_store(
        db,
        [
            SourceFile("pypa", EMBEDDED / "pypa.zip"),
            SourceFile("ghsa", METRICS / "GHSA-v845-jxx5-vc9f.json"),
            SourceFile("nvd", METRICS / "nvd-api-page.json"),
        ],
    )
    result = match_inventory(Inventory(None, (_pkg("urllib3", "1.24.1"),)), open_store(db))
    (cookie,) = [v for v in result.vulnerabilities if v.id == "CVE-2023-43804"]
    assert "GHSA-v845-jxx5-vc9f" in cookie.advisories
    assert (cookie.severity, cookie.severity_source) == (Severity.MEDIUM, "ghsa")
    assert (cookie.cvss_score, cookie.cvss_source) == (5.9, "ghsa")
    assert ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N", 8.1) in cookie.cvss
