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


def test_fail_on_kev_and_the_exploited_column(
    run_caulk: Callable[..., CaulkRun], repo_root: Path, tmp_path: Path
) -> None:
    """A database with the embedded PyPA records, the real NVD records and a KEV catalog in the
    real format that lists one of urllib3's CVEs: that one is listed first, marked KEV, and
    `--fail-on-kev` fails the gate."""
    import json

    from caulk.vulndb.store import SourceFile, build_store

    metrics = repo_root / "tests" / "fixtures" / "metrics"
    kev = json.loads((metrics / "kev-excerpt.json").read_text())
    kev["vulnerabilities"][0]["cveID"] = "CVE-2019-11236"
    (tmp_path / "kev.json").write_text(json.dumps(kev))
    db = tmp_path / "db.sqlite"
    build_store(
        db,
        [
            SourceFile("pypa", repo_root / "src" / "caulk" / "data" / "advisories" / "pypa.zip"),
            SourceFile("nvd", metrics / "nvd-api-page.json"),
            SourceFile("kev", tmp_path / "kev.json"),
        ],
    )
    args = ("scan", "--scanners", "vuln", "--db", db, DEMO)
    assert run_caulk(*args, cwd=repo_root).code == 0
    run = run_caulk(*args, "--fail-on-kev", cwd=repo_root)
    assert run.code == 1, run
    assert "1 known exploited vulnerabilities (CISA KEV, not ignored): CVE-2019-11236" in run.stderr
    rows = [line.split() for line in run.stdout.splitlines() if " CVE-" in line]
    assert rows[0][:4] == ["MEDIUM", "nvd", "6.1", "KEV"] and "CVE-2019-11236" in rows[0]
