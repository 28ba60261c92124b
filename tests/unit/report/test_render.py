"""Renderers against golden files (regenerate with CAULK_UPDATE_GOLDEN=1)."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from caulk.catalog.interface import Distro, Package
from caulk.check.rules import Rule
from caulk.errors import UsageError
from caulk.match.interface import Coverage, Unchecked, Vulnerability
from caulk.model import Location, ScanResult, Severity, Target, Unknown
from caulk.report import render
from caulk.vulndb.interface import SourceFreshness

GOLDEN = Path(__file__).parent / "golden"

SETUID = Rule("CK-TEST-001", Severity.HIGH, "SETUID file", "Clear the bit.", category="image")
ROOT = Rule("CK-TEST-002", Severity.MEDIUM, "Runs as root", "Set USER.", category="image")
DF = Rule("CK-TEST-003", Severity.LOW, "Pin the tag", "Use a digest.", category="dockerfile")


def _result() -> ScanResult:
    findings = (
        SETUID.finding("/usr/bin/su is setuid root", Location(path="/usr/bin/su", layer=0)),
        SETUID.finding("/usr/bin/passwd is setuid root", Location(path="/usr/bin/passwd", layer=1)),
        ROOT.finding("config User is empty", Location(field="config.User")),
        DF.finding("FROM debian:latest", Location(path="Dockerfile", line=1, column=1, end_line=1)),
    )
    return ScanResult(
        target=Target(
            reference="oci:demo:latest",
            transport="oci",
            digest="sha256:" + "a" * 64,
            config_digest="sha256:" + "b" * 64,
            manifest_digest="sha256:" + "a" * 64,
            tag="latest",
            os="linux",
            architecture="amd64",
            layer_count=2,
            size=1234,
        ),
        findings=findings,
        unknowns=(Unknown(Location(path="/var/lib/dpkg/status", layer=0), "truncated record"),),
        scanned_at="2026-01-01T00:00:00Z",
        caulk_version="0.0.0-test",
        distro=Distro("debian", "11", "bullseye", "Debian GNU/Linux 11 (bullseye)"),
        packages=(PKG,),
        vulnerabilities=(
            _vuln("CVE-2021-3995", Severity.HIGH, None),
            _vuln(
                "CVE-2099-0001", Severity.CRITICAL, "VEX not_affected: vulnerable_code_not_present"
            ),
        ),
        notices=("ignore entry CVE-1 expired on 2026-01-01 and no longer applies (x)",),
        coverage=COVERAGE,
        advisory_data=(
            SourceFreshness(
                location="embedded/debian-osv.zip",
                data_date="2023-03-31T00:00:00Z",
                date_basis="newest record",
                imported_at="2026-01-01T00:00:00+00:00",
                records=507,
                ecosystems=("Debian:10", "Debian:11"),
            ),
        ),
    )


PKG = Package(
    name="bsdutils",
    version="1:2.36.1-8",
    type="deb",
    ecosystem="Debian:11",
    purl="pkg:deb/debian/bsdutils@1:2.36.1-8?arch=amd64&distro=debian-11&upstream=util-linux",
    locations=(Location(path="/var/lib/dpkg/status", layer=0),),
    source_name="util-linux",
    source_version="2.36.1-8",
    found_by="dpkg",
)


COVERAGE = Coverage(
    packages=2,
    unchecked=(
        Unchecked(
            name="lodash",
            version="4.17.4",
            purl="pkg:npm/lodash@4.17.4",
            ecosystem="npm",
            reason="no-data",
            detail="the advisory database has no npm data",
            location=Location(path="/app/node_modules/lodash/package.json", layer=1),
        ),
    ),
)


def _vuln(ident: str, severity: Severity, ignored: str | None) -> Vulnerability:
    return Vulnerability(
        id=ident,
        aliases=("DSA-5055-1",),
        package_name=PKG.name,
        package_version=PKG.version,
        package_type=PKG.type,
        purl=PKG.purl,
        ecosystem=PKG.ecosystem,
        severity=severity,
        severity_source="debian",
        fix_state="fixed",
        fixed_version="2.36.1-8+deb11u1",
        cvss=(("CVSS_V3", "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:N/I:N/A:H", 4.7),),
        title="util-linux: mount/umount leaks file existence",
        advisories=("DSA-5055-1",),
        location=PKG.locations[0],
        source_package="util-linux",
        ignored=ignored,
    )


@pytest.mark.parametrize(
    ("fmt", "suffix"), [("table", "txt"), ("json", "json"), ("sarif", "sarif")]
)
def test_golden(fmt: str, suffix: str) -> None:
    out = render(_result(), fmt)
    golden = GOLDEN / f"scan.{suffix}"
    if os.environ.get("CAULK_UPDATE_GOLDEN"):
        golden.write_bytes(out)
    assert out == golden.read_bytes()


def test_json_counts_and_order() -> None:
    doc = json.loads(render(_result(), "json"))
    assert doc["schemaVersion"] == "caulk.scan/v1"
    assert doc["summary"]["findings"] == {
        "CRITICAL": 0,
        "HIGH": 2,
        "MEDIUM": 1,
        "LOW": 1,
        "INFO": 0,
        "UNKNOWN": 0,
    }
    assert [f["ruleId"] for f in doc["findings"]][:2] == ["CK-TEST-001", "CK-TEST-001"]
    assert doc["unknowns"][0]["location"]["path"] == "/var/lib/dpkg/status"


def test_sarif_structure() -> None:
    doc = json.loads(render(_result(), "sarif"))
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [
        "CK-TEST-001",
        "CK-TEST-002",
        "CK-TEST-003",
        "CVE-2021-3995",
    ]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
    df = run["results"][3]["locations"][0]["physicalLocation"]
    assert df["region"] == {"startLine": 1, "startColumn": 1, "endLine": 1}
    image_path = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert image_path == {"uri": "usr/bin/su", "uriBaseId": "IMAGEROOT"}


def test_table_summary_line() -> None:
    text = render(_result(), "table").decode()
    assert text.rstrip().splitlines()[-1] == (
        "oci:demo:latest: 4 findings (2 HIGH, 1 MEDIUM, 1 LOW); 1 vulnerability (1 HIGH), "
        "1 of 2 packages not checked, 1 not understood (see unknowns)"
    )
    assert "Vulnerabilities (1 in 1 packages on Debian GNU/Linux 11 (bullseye), 1 ignored)" in text
    assert "warning: ignore entry CVE-1 expired" in text


def test_json_vulnerabilities() -> None:
    doc = json.loads(render(_result(), "json"))
    assert doc["summary"]["vulnerabilities"]["HIGH"] == 1
    assert doc["summary"]["vulnerabilities"]["CRITICAL"] == 0  # the ignored one is not counted
    assert doc["summary"]["ignoredVulnerabilities"] == 1
    assert doc["packages"][0]["sourceName"] == "util-linux"
    ignored = doc["vulnerabilities"][1]
    assert ignored["ignored"].startswith("VEX not_affected")


def test_sarif_has_unignored_vulnerabilities_only() -> None:
    run = json.loads(render(_result(), "sarif"))["runs"][0]
    vuln_results = [r for r in run["results"] if r["ruleId"].startswith("CVE-")]
    assert [r["ruleId"] for r in vuln_results] == ["CVE-2021-3995"]
    rule = run["tool"]["driver"]["rules"][vuln_results[0]["ruleIndex"]]
    assert rule["properties"]["security-severity"] == "4.7"


def test_unknown_format() -> None:
    with pytest.raises(UsageError, match="unknown report format"):
        render(_result(), "xml")


def test_coverage_in_every_format() -> None:
    doc = json.loads(render(_result(), "json"))
    assert doc["summary"]["coverage"] == {
        "packages": 2,
        "checked": 1,
        "unchecked": 1,
        "uncheckedByReason": {"no-data": 1, "end-of-life": 0, "version-not-understood": 0},
    }
    (lodash,) = doc["coverage"]["uncheckedPackages"]
    assert lodash["reason"] == "no-data" and lodash["purl"] == "pkg:npm/lodash@4.17.4"
    assert doc["advisoryData"][0]["dataDate"] == "2023-03-31T00:00:00Z"
    assert doc["summary"]["unratedVulnerabilities"] == 0
    run = json.loads(render(_result(), "sarif"))["runs"][0]
    assert run["properties"]["coverage"] == doc["coverage"]
    assert run["properties"]["advisoryData"] == doc["advisoryData"]
    text = render(_result(), "table").decode()
    assert "Coverage: 1 of 2 packages checked" in text
    assert "not checked (no data for this ecosystem/release): 1" in text
    assert "lodash 4.17.4" in text


def test_unrated_vulnerabilities_are_counted_apart() -> None:
    unrated = dataclasses.replace(_result().vulnerabilities[0], severity=Severity.UNKNOWN)
    result = dataclasses.replace(_result(), vulnerabilities=(unrated,))
    assert json.loads(render(result, "json"))["summary"]["unratedVulnerabilities"] == 1
    assert "1 vulnerability (1 unrated)" in render(result, "table").decode()
