"""Issue 8's done-when on the bundled demo image: `--fail-on critical` exits 1 and every
vulnerability names its severity and who rated it, in the table and the JSON."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import CaulkRun

DEMO = "oci:examples/demo-image:latest"


def test_demo_fails_on_critical_and_names_each_rating(
    run_caulk: Callable[..., CaulkRun], repo_root: Path
) -> None:
    run = run_caulk("scan", "--scanners", "vuln", "--fail-on", "critical", DEMO, cwd=repo_root)
    assert run.code == 1, run
    assert "3 vulnerabilities at or above CRITICAL" in run.stderr
    rows = [line.split() for line in run.stdout.splitlines() if " CVE-" in line]
    assert len(rows) == 12
    pyyaml = next(r for r in rows if "CVE-2019-20477" in r)
    assert pyyaml[:3] == ["CRITICAL", "nvd", "9.8"]
    assert all(r[0] in {"CRITICAL", "HIGH", "MEDIUM", "LOW"} for r in rows), "nothing unrated"

    doc = run_caulk("scan", "--scanners", "vuln", "-f", "json", DEMO, cwd=repo_root).json()
    for vuln in doc["vulnerabilities"]:
        assert vuln["severity"] != "UNKNOWN" and vuln["severitySource"], vuln["id"]
        assert vuln["cvssScore"] > 0 and vuln["cvssVector"].startswith("CVSS:"), vuln["id"]
    first = doc["vulnerabilities"][0]
    assert (first["id"], first["severitySource"], first["cvssSource"]) == (
        "CVE-2019-20477",
        "nvd",
        "nvd",
    )
