"""Large NVD 2.0 feeds (API/per-year shape) generated from real records, for the import benchmark
and the streaming test.

The records are the 10 real NVD records of `tests/fixtures/metrics/nvd-api-page.json`, cycled with
new CVE ids; each gets its CVSS v3.1 vector from the pool of distinct real vectors in the embedded
CVE 5 records (`caulk/data/advisories/vulnrichment.zip`, scored with the `cvss` package), its
real English description, and `references` padded to `record_bytes` (real NVD records average
3-5 kB: descriptions in two languages, CPE configurations, references).
"""

from __future__ import annotations

import gzip
import json
import zipfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import BinaryIO

from caulk.vulndb.metrics.cvss import score_vector

__all__ = ["real_vectors", "write_epss", "write_nvd_feed"]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "metrics"
_DESCRIPTION = (
    "PyYAML 5.1 through 5.1.2 has insufficient restrictions on the load and load_all functions "
    "because of a class deserialization issue, e.g., Popen is a class in the subprocess module. "
    "NOTE: this issue exists because of an incomplete fix for CVE-2017-18342."
)
_REFERENCE = {
    "url": "https://github.com/yaml/pyyaml/blob/master/CHANGES",
    "source": "cve@mitre.org",
    "tags": ["Release Notes", "Third Party Advisory"],
}


def real_vectors() -> list[tuple[str, float]]:
    """Distinct CVSS v3.1 vectors of the embedded CVE 5 records, with their base scores."""
    path = Path(str(resources.files("caulk") / "data" / "advisories" / "vulnrichment.zip"))
    found: dict[str, float] = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            doc = json.loads(archive.read(name))
            containers = [doc["containers"].get("cna", {}), *doc["containers"].get("adp", [])]
            for container in containers:
                for metric in container.get("metrics", []):
                    vector = metric.get("cvssV3_1", {}).get("vectorString")
                    if vector and vector not in found:
                        score = score_vector("CVSS_V3", vector)
                        if score is not None:
                            found[vector] = score
    return sorted(found.items())


def _shells(record_bytes: int) -> list[str]:
    """Each real record as JSON text with @ID@, @VECTOR@ and @SCORE@ placeholders."""
    page = json.loads((FIXTURES / "nvd-api-page.json").read_text())
    shells = []
    for item in page["vulnerabilities"]:
        cve = item["cve"]
        cve["id"] = "@ID@"
        data = {"version": "3.1", "vectorString": "@VECTOR@", "baseScore": "@SCORE@"}
        cve["metrics"]["cvssMetricV31"] = [
            {"source": "nvd@nist.gov", "type": "Primary", "cvssData": data}
        ]
        cve["descriptions"] = [{"lang": "en", "value": _DESCRIPTION}]
        size = len(json.dumps(cve))
        cve["references"] = [_REFERENCE] * max(0, (record_bytes - size) // 110)
        shells.append(json.dumps({"cve": cve}).replace('"@SCORE@"', "@SCORE@"))
    return shells


def _records(count: int, record_bytes: int) -> Iterator[bytes]:
    shells, vectors = _shells(record_bytes), real_vectors()
    for n in range(count):
        vector, score = vectors[n % len(vectors)]
        text = shells[n % len(shells)].replace("@ID@", f"CVE-{1999 + n % 27}-{100000 + n}")
        yield text.replace("@VECTOR@", vector).replace("@SCORE@", str(score)).encode()


def _write_feed(out: BinaryIO, count: int, record_bytes: int) -> int:
    head = {"resultsPerPage": count, "startIndex": 0, "totalResults": count}
    head |= {"format": "NVD_CVE", "version": "2.0", "timestamp": "2026-12-03T00:00:00.000"}
    written = out.write(json.dumps(head)[:-1].encode() + b', "vulnerabilities": [')
    for n, record in enumerate(_records(count, record_bytes)):
        written += out.write((b",\n" if n else b"\n") + record)
    return written + out.write(b"\n]}\n")


def write_nvd_feed(path: Path, count: int, record_bytes: int = 1200) -> int:
    """Write `count` records (gzip when `path` ends in .gz); returns the uncompressed size."""
    if path.name.endswith(".gz"):
        with gzip.open(path, "wb", compresslevel=1) as out:
            return _write_feed(out, count, record_bytes)  # type: ignore[arg-type]
    with path.open("wb") as out:
        return _write_feed(out, count, record_bytes)


def write_epss(path: Path, count: int) -> None:
    """An EPSS CSV.gz with the real header line and `count` rows for the feed's CVE ids."""
    with gzip.open(path, "wt", compresslevel=1) as out:
        out.write("#model_version:v2025.03.14,score_date:2026-12-03T00:00:00Z\n")
        out.write("cve,epss,percentile\n")
        for n in range(count):
            epss = (n * 7919 % 100000) / 100000
            out.write(f"CVE-{1999 + n % 27}-{100000 + n},{epss:.5f},{min(epss * 1.3, 1):.5f}\n")
