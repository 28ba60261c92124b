"""Trustworthy verdicts end to end on real images: an unrated vulnerability fails the gate, packages
the data cannot speak for are counted (and can fail the gate), and old data is said to be old."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CaulkRun

DEMO = "oci:examples/demo-image:latest"
PASSWORD = {"CAULK_PASSWORD": "correct horse"}


@pytest.mark.images("bookworm")
def test_debian_12_without_debian_12_data_is_not_a_pass(
    run_caulk: Callable[..., CaulkRun], image_ref: Callable[..., str]
) -> None:
    ref = image_ref("bookworm")  # the embedded data has no Debian:12 records
    plain = run_caulk("scan", "--scanners", "vuln", "-f", "json", ref)
    assert plain.code == 0, plain  # a warning, not a gate, unless asked
    doc = plain.json()
    packages = len(doc["packages"])
    assert packages > 80
    assert doc["summary"]["coverage"] == {
        "packages": packages,
        "checked": 0,
        "unchecked": packages,
        "uncheckedByReason": {"no-data": packages, "end-of-life": 0, "version-not-understood": 0},
    }
    unchecked = doc["coverage"]["uncheckedPackages"]
    assert {(u["ecosystem"], u["reason"]) for u in unchecked} == {("Debian:12", "no-data")}
    assert {u["name"] for u in unchecked} == {p["name"] for p in doc["packages"]}

    gated = run_caulk("scan", "--scanners", "vuln", "--fail-on-unchecked", ref)
    assert gated.code == 1, gated
    assert f"gate failed: {packages} of {packages} packages were not checked" in gated.stderr
    assert f"0 vulnerabilities, {packages} of {packages} packages not checked" in gated.stdout
    assert "not checked (no data for this ecosystem/release)" in gated.stdout

    sarif = run_caulk("scan", "--scanners", "vuln", "-f", "sarif", ref)
    properties = sarif.json()["runs"][0]["properties"]
    assert properties["coverage"]["unchecked"] == packages


@pytest.mark.images("bookworm")
def test_scan_attestation_carries_the_coverage(
    run_caulk: Callable[..., CaulkRun], real_image: Callable[[str], Path], tmp_path: Path
) -> None:
    layout = tmp_path / "img"
    shutil.copytree(real_image("bookworm"), layout)  # attest writes into the layout
    assert run_caulk("keygen", cwd=tmp_path, env=PASSWORD).code == 0
    ref = f"oci:{layout}:latest"
    attested = run_caulk(
        "attest", ref, "--key", "cosign.key", "--type", "scan", cwd=tmp_path, env=PASSWORD
    )
    assert attested.code == 0, attested
    verified = run_caulk(
        "verify-attestation", ref, "--key", "cosign.pub", "--type", "scan", cwd=tmp_path
    )
    assert verified.code == 0, verified
    (line,) = verified.stdout.splitlines()
    statement = json.loads(base64.b64decode(json.loads(line)["payload"]))
    predicate = statement["predicate"]
    coverage = predicate["summary"]["coverage"]
    assert coverage["checked"] == 0 and coverage["unchecked"] == len(predicate["packages"]) > 80
    assert len(predicate["coverage"]["uncheckedPackages"]) == coverage["unchecked"]


def test_unrated_vulnerabilities_fail_closed(
    run_caulk: Callable[..., CaulkRun], repo_root: Path, tmp_path: Path
) -> None:
    # The PyPA records alone, without the CVE metrics: PyYAML 5.1's CVE-2019-20477 (CVSS 9.8)
    # has no rating there
    db = str(tmp_path / "pypa-only.sqlite")
    pypa = str(repo_root / "src/caulk/data/advisories/pypa.zip")
    imported = run_caulk("db", "--db", db, "import", pypa, cwd=repo_root)
    assert imported.code == 0, imported
    scan = ("scan", "--db", db, "--scanners", "vuln")
    doc = run_caulk(*scan, "-f", "json", DEMO, cwd=repo_root).json()
    unrated = doc["summary"]["unratedVulnerabilities"]
    assert unrated == doc["summary"]["vulnerabilities"]["UNKNOWN"] > 0
    assert doc["summary"]["vulnerabilities"]["CRITICAL"] == 0
    gated = run_caulk(*scan, "--fail-on", "critical", DEMO, cwd=repo_root)
    assert gated.code == 1, gated
    assert f"gate failed: {unrated} vulnerabilities have no severity rating (" in gated.stderr
    assert "count as failing --fail-on CRITICAL" in gated.stderr
    assert f"{unrated} unrated)" in gated.stdout  # the summary line counts them apart
    rated = run_caulk(*scan, "--fail-on", "critical", "--unrated-as", "high", DEMO, cwd=repo_root)
    assert rated.code == 0, rated
    high = run_caulk(*scan, "--fail-on", "high", "--unrated-as", "high", DEMO, cwd=repo_root)
    assert high.code == 1 and "taken as HIGH (--unrated-as), at or above HIGH" in high.stderr


def test_old_advisory_data_is_said_and_can_fail(
    run_caulk: Callable[..., CaulkRun], repo_root: Path
) -> None:
    run = run_caulk("scan", "--scanners", "vuln", "-f", "json", DEMO, cwd=repo_root)
    assert run.code == 0, run
    doc = run.json()
    (pypa,) = [s for s in doc["advisoryData"] if s["location"] == "embedded/pypa.zip"]
    assert pypa["dataDate"] == "2024-10-10T17:22:00Z" and pypa["dateBasis"] == "newest record"
    assert "PyPI" in pypa["ecosystems"]
    stale = [n for n in doc["notices"] if "older than 7 days" in n]
    assert len(stale) == 1 and "embedded/pypa.zip (data from 2024-10-10, " in stale[0]
    assert "caulk: warning: the advisory data matched against is older than 7 days" in run.stderr

    failed = run_caulk("scan", "--scanners", "vuln", "--fail-on-stale-db", DEMO, cwd=repo_root)
    assert failed.code == 1 and "gate failed: the advisory data matched against" in failed.stderr
    relaxed = run_caulk(
        "scan", "--scanners", "vuln", "--fail-on-stale-db", "-f", "json", DEMO,
        cwd=repo_root, env={"CAULK_DB_MAX_AGE": "36500d"},
    )  # fmt: skip
    assert relaxed.code == 0, relaxed
    assert not [n for n in relaxed.json()["notices"] if "older than" in n]
    bad = run_caulk("scan", "--db-max-age", "soon", DEMO, cwd=repo_root)
    assert bad.code == 2 and bad.stderr.count("\n") == 1 and "--db-max-age" in bad.stderr, bad
