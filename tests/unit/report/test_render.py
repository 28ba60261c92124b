"""Renderers against golden files (regenerate with CAULK_UPDATE_GOLDEN=1)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from caulk.check.registry import Rule
from caulk.errors import UsageError
from caulk.model import Location, ScanResult, Severity, Target, Unknown
from caulk.report import render

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
    assert [r["id"] for r in rules] == ["CK-TEST-001", "CK-TEST-002", "CK-TEST-003"]
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
        "oci:demo:latest: 4 findings (2 HIGH, 1 MEDIUM, 1 LOW), 1 not understood (see unknowns)"
    )


def test_unknown_format() -> None:
    with pytest.raises(UsageError, match="unknown report format"):
        render(_result(), "xml")
