"""`caulk scan` end to end as a user runs it: the bundled demo image (offline, embedded advisory
data) and real Debian images built by the suite."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CaulkRun
from tests.support import synth

DEMO = "oci:examples/demo-image:latest"


def test_demo_scan_finds_real_vulnerabilities_with_fixes(
    run_caulk: Callable[..., CaulkRun], repo_root: Path
) -> None:
    run = run_caulk("scan", "-f", "json", DEMO, cwd=repo_root)
    assert run.code == 0, run
    doc = run.json()
    packages = {(p["name"], p["version"]) for p in doc["packages"]}
    assert {("PyYAML", "5.1"), ("requests", "2.19.0"), ("urllib3", "1.24.1")} <= packages
    assert {("lodash", "4.17.4"), ("minimist", "0.0.8")} <= packages
    vulns = {(v["package"]["name"], v["id"]): v for v in doc["vulnerabilities"]}
    urllib3 = vulns[("urllib3", "CVE-2023-43804")]
    assert urllib3["fixedVersion"] == "1.26.17"
    assert urllib3["severity"] == "HIGH"
    assert set(urllib3["aliases"]) == {"GHSA-v845-jxx5-vc9f", "PYSEC-2023-192"}
    assert ("PyYAML", "CVE-2020-1747") in vulns
    assert any("no data for npm" in n for n in doc["notices"])  # said loudly, not silent


def test_gate_ignore_file_and_vex(
    run_caulk: Callable[..., CaulkRun], repo_root: Path, tmp_path: Path
) -> None:
    # PyYAML 5.1: CVE-2019-20477, CVE-2020-14343, CVE-2020-1747 are CRITICAL (NVD 9.8)
    gated = run_caulk("scan", "--scanners", "vuln", "--fail-on", "CRITICAL", DEMO, cwd=repo_root)
    assert gated.code == 1
    assert "3 vulnerabilities at or above CRITICAL" in gated.stderr
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text(
        "vulnerabilities:\n"
        "  - id: GHSA-6757-jp84-gxfx\n"  # an alias works too (CVE-2020-1747)
        "    reason: FullLoader never used\n"
        "    purls: [pkg:pypi/pyyaml]\n"
        "  - id: CVE-2020-14343\n"
        "    reason: FullLoader never used\n"
        "  - id: CVE-2019-20477\n"
        "    reason: stale exception\n"
        "    expires: 2020-01-01\n"
    )
    args = ("scan", "--scanners", "vuln", "--fail-on", "CRITICAL")
    run = run_caulk(*args, "--ignore-file", ignore, "-f", "json", DEMO, cwd=repo_root)
    assert run.code == 1, run  # the expired entry no longer applies
    assert "1 vulnerabilities at or above CRITICAL" in run.stderr
    doc = run.json()
    ignored = [v for v in doc["vulnerabilities"] if v.get("ignored")]
    assert [v["id"] for v in ignored] == ["CVE-2020-14343", "CVE-2020-1747"]
    assert any("CVE-2019-20477 expired on 2020-01-01" in n for n in doc["notices"])

    vex = tmp_path / "vex.json"
    statements = [
        {
            "vulnerability": {"name": cve},
            "products": [{"@id": "pkg:pypi/pyyaml@5.1"}],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
        }
        for cve in ("CVE-2019-20477", "CVE-2020-14343", "CVE-2020-1747")
    ]
    vex.write_text(
        json.dumps(
            {
                "@context": "https://openvex.dev/ns/v0.2.0",
                "@id": "https://example.com/vex/1",
                "author": "sec team",
                "timestamp": "2026-01-01T00:00:00Z",
                "version": 1,
                "statements": statements,
            }
        )
    )
    run = run_caulk(*args, "--vex", vex, DEMO, cwd=repo_root)
    assert run.code == 0, run


def test_bad_inputs_are_one_line_with_exit_2(
    run_caulk: Callable[..., CaulkRun], repo_root: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("vulnerabilities:\n  - id: CVE-1\n")
    for args in (
        ("--ignore-file", bad, DEMO),
        ("--scanners", "secrets", DEMO),
        (f"oci:{tmp_path}/missing:latest",),
    ):
        run = run_caulk("scan", *args, cwd=repo_root)
        assert run.code == 2, run
        assert run.stderr.count("\n") == 1 and run.stderr.startswith("caulk: "), run
        assert "Traceback" not in run.stderr


@pytest.mark.images("bullseye")
def test_end_of_life_distro(
    run_caulk: Callable[..., CaulkRun], image_ref: Callable[..., str]
) -> None:
    # Debian 11's LTS ended on 2026-08-31
    run = run_caulk(
        "scan", "--scanners", "vuln", "--exit-on-eol", "-f", "json", image_ref("bullseye")
    )
    assert run.code == 1, run
    doc = run.json()
    assert doc["distro"]["id"] == "debian" and doc["distro"]["isEol"] is True
    assert any("end of life" in n for n in doc["notices"])
    assert len(doc["packages"]) > 80


def test_dockerfile_findings_merge_into_the_image_report(
    run_caulk: Callable[..., CaulkRun], repo_root: Path, tmp_path: Path
) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:latest\nRUN apt-get update && apt-get install -y curl\n")
    run = run_caulk(
        "scan",
        "--scanners",
        "hygiene",
        "--dockerfile",
        dockerfile,
        "-f",
        "json",
        DEMO,
        cwd=repo_root,
    )
    assert run.code == 0, run
    lint = [f for f in run.json()["findings"] if f["ruleId"].startswith("CK-DF-")]
    assert {"CK-DF-011", "CK-DF-020"} <= {f["ruleId"] for f in lint}
    assert all(f["location"]["path"] == str(dockerfile) for f in lint)
    assert any(f["ruleId"].startswith("CK-IMG-") for f in run.json()["findings"])


def test_sbom_is_stored_and_rematched_without_the_image(
    run_caulk: Callable[..., CaulkRun], repo_root: Path, tmp_path: Path
) -> None:
    image_scan = run_caulk("scan", "--scanners", "vuln", "-f", "json", DEMO, cwd=repo_root).json()
    for fmt in ("cyclonedx-json", "spdx-json"):
        sbom = tmp_path / f"demo.{fmt}"
        made = run_caulk("sbom", DEMO, "--format", fmt, "-o", sbom, cwd=repo_root)
        assert made.code == 0, made
        assert sbom.stat().st_mode & 0o044  # readable like any report, not 0600
        run = run_caulk("scan", "-f", "json", f"sbom:{sbom}", cwd=repo_root)
        assert run.code == 0, run
        doc = run.json()
        assert doc["target"]["digest"] == image_scan["target"]["digest"]

        def key(v: dict[str, object]) -> tuple[object, ...]:
            return (v["id"], v["package"]["name"], v.get("fixedVersion"))  # type: ignore[index]

        assert sorted(map(key, doc["vulnerabilities"])) == sorted(
            map(key, image_scan["vulnerabilities"])
        )


def test_require_digest_reports_a_version_tag(
    run_caulk: Callable[..., CaulkRun], repo_root: Path, tmp_path: Path
) -> None:
    layout = synth.oci_layout(tmp_path / "img", [synth.tar([synth.dir("/a")])], tag="1.0")
    args = ("--scanners", "hygiene", "-f", "json", f"oci:{layout}:1.0")
    plain = json.loads(run_caulk("scan", *args, cwd=repo_root).stdout)
    strict = json.loads(run_caulk("scan", "--require-digest", *args, cwd=repo_root).stdout)

    def ids(doc: dict[str, list[dict[str, str]]]) -> set[str]:
        return {f["ruleId"] for f in doc["findings"]}

    assert "CK-IMG-013" not in ids(plain)
    assert "CK-IMG-013" in ids(strict)
