"""Each metrics importer on real records: NVD (API page, per-CVE file, 1.1 feed, gzip), CVE JSON 5
(CISA vulnrichment, embedded), CISA KEV, FIRST EPSS."""

from __future__ import annotations

import gzip
import json
import shutil
from importlib import resources
from pathlib import Path

from caulk.vulndb.metrics.interface import CvssMetric, KevEntry
from caulk.vulndb.metrics.reader import detect_kind, looks_like_html
from caulk.vulndb.store import SourceFile, SqliteStore, build_store, open_store

METRICS = Path(__file__).resolve().parents[3] / "fixtures" / "metrics"
EMBEDDED = Path(str(resources.files("caulk") / "data" / "advisories"))


def _store(tmp_path: Path, *sources: Path | SourceFile) -> tuple[SqliteStore, list]:
    files = [s if isinstance(s, SourceFile) else SourceFile(str(s), s) for s in sources]
    reports = build_store(tmp_path / "db.sqlite", files)
    return open_store(tmp_path / "db.sqlite"), reports


def test_kinds_are_detected_from_content(tmp_path: Path) -> None:
    assert detect_kind(METRICS / "nvd-api-page.json") == "nvd"
    assert detect_kind(METRICS / "CVE-2019-20477.json") == "nvd"
    assert detect_kind(METRICS / "kev-excerpt.json") == "kev"
    assert detect_kind(METRICS / "epss-excerpt.csv.gz") == "epss"
    assert detect_kind(EMBEDDED / "vulnrichment.zip") == "cve5"
    assert detect_kind(EMBEDDED / "nvd.zip") == "nvd"
    assert detect_kind(EMBEDDED / "pypa.zip") is None  # advisories, not metrics
    xml = tmp_path / "updateinfo.xml"  # XML advisories are not mistaken for an HTML page
    xml.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<updates></updates>\n')
    assert detect_kind(xml) is None and not looks_like_html(xml)
    body = gzip.compress((METRICS / "nvd-api-page.json").read_bytes())
    (tmp_path / "body").write_bytes(body)  # a downloaded feed has no file name
    assert detect_kind(tmp_path / "body") == "nvd"


def test_nvd_api_page_primary_and_secondary_scores(tmp_path: Path) -> None:
    store, (report,) = _store(tmp_path, METRICS / "nvd-api-page.json")
    assert (report.imported, report.skipped) == (10, 0)
    pyyaml = store.signals("CVE-2019-20477").cvss
    assert (
        CvssMetric(
            "CVE-2019-20477", "nvd", "CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8
        )
        in pyyaml
    )
    assert ("nvd", "CVSS_V2", 7.5) in {(m.origin, m.kind, m.score) for m in pyyaml}
    urllib3 = {(m.origin, m.score) for m in store.signals("CVE-2023-43804").cvss}
    assert urllib3 == {("nvd", 8.1), ("cna:security-advisories@github.com", 5.9)}
    v30 = store.signals("CVE-2019-11324").cvss  # NVD's CVSS 3.0 metric
    assert [(m.kind, m.vector[:8], m.score) for m in v30 if m.kind == "CVSS_V3"] == [
        ("CVSS_V3", "CVSS:3.0", 7.5)
    ]


def test_per_cve_file_gzip_feed_and_legacy_feed(tmp_path: Path) -> None:
    page = json.loads((METRICS / "nvd-api-page.json").read_text())
    gz = tmp_path / "nvdcve-2.0-2019.json.gz"
    gz.write_bytes(gzip.compress(json.dumps(page).encode()))
    legacy = tmp_path / "nvdcve-1.1-2019.json"
    items = []
    for item in page["vulnerabilities"]:  # the same real scores in the retired 1.1 shape
        metrics = item["cve"]["metrics"]
        v3 = (metrics.get("cvssMetricV31") or metrics.get("cvssMetricV30"))[0]["cvssData"]
        items.append(
            {
                "cve": {"CVE_data_meta": {"ID": item["cve"]["id"]}},
                "impact": {"baseMetricV3": {"cvssV3": v3}},
            }
        )
    legacy.write_text(json.dumps({"CVE_data_type": "CVE", "CVE_Items": items}))
    store, reports = _store(tmp_path, METRICS / "CVE-2019-20477.json", gz, legacy)
    assert [r.imported for r in reports] == [1, 10, 10]
    assert not any(r.skipped for r in reports)
    assert {s.kinds for s in store.sources()} == {("nvd",)}
    scores = {(m.origin, m.score) for m in store.signals("CVE-2020-1747").cvss}
    assert ("nvd", 9.8) in scores and ("cna:secalert@redhat.com", 9.8) in scores


def test_cve5_records_cna_adp_ssvc_and_kev(tmp_path: Path) -> None:
    store, (report,) = _store(tmp_path, EMBEDDED / "vulnrichment.zip")
    assert (report.imported, report.skipped) == (1215, 0)
    # CVE-2019-1387 (git): CNA without CVSS, CISA ADP with SSVC
    (ssvc,) = store.signals("CVE-2019-1387").ssvc
    assert (ssvc.origin, ssvc.exploitation, ssvc.automatable, ssvc.technical_impact) == (
        "adp:CISA-ADP",
        "none",
        "no",
        "total",
    )
    kev = [c for c in _kev_cves(EMBEDDED / "vulnrichment.zip")]
    assert len(kev) == 12
    entry = store.signals(kev[0]).kev
    assert entry is not None and entry.origin == "adp:CISA-ADP" and entry.date_added[:2] == "20"
    origins = {
        m.origin.split(":")[0]
        for cve in ("CVE-2021-44228", "CVE-2023-4863", "CVE-2022-0778")
        for m in store.signals(cve).cvss
    }
    assert origins <= {"cna", "adp"}


def _kev_cves(zip_path: Path) -> list[str]:
    import zipfile

    found = []
    with zipfile.ZipFile(zip_path) as archive:
        for name in archive.namelist():
            doc = json.loads(archive.read(name))
            for adp in doc["containers"].get("adp", []):
                for metric in adp.get("metrics", []):
                    if metric.get("other", {}).get("type") == "kev":
                        found.append(doc["cveMetadata"]["cveId"])
    return sorted(set(found))


def test_kev_catalog(tmp_path: Path) -> None:
    store, (report,) = _store(tmp_path, METRICS / "kev-excerpt.json")
    assert (report.imported, report.skipped) == (3, 0)
    assert store.signals("CVE-2026-35273").kev == KevEntry(
        "CVE-2026-35273", "2026-06-12", "2026-06-15", "Known", "cisa-kev"
    )
    assert store.signals("CVE-2019-20477").kev is None


def test_epss_gzip_with_and_without_the_model_line(tmp_path: Path) -> None:
    store, (report,) = _store(tmp_path, METRICS / "epss-excerpt.csv.gz")
    assert (report.imported, report.skipped) == (12, 0)
    top = store.signals("CVE-1999-0016").epss
    assert top is not None and (top.epss, top.percentile, top.score_date) == (
        0.95739,
        0.99864,
        None,
    )
    dated = tmp_path / "epss_scores-2026-12-02.csv"
    dated.write_text(
        "#model_version:v2025.03.14,score_date:2026-12-02T12:55:00Z\n"
        "cve,epss,percentile\nCVE-1999-0016,0.96001,0.99901\n"
    )
    store, _ = _store(tmp_path, SourceFile("a", METRICS / "epss-excerpt.csv.gz"), dated)
    newest = store.signals("CVE-1999-0016").epss
    assert newest is not None and (newest.epss, newest.score_date) == (0.96001, "2026-12-02")


def test_reimporting_a_location_replaces_only_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    kev = tmp_path / "kev.json"
    shutil.copy(METRICS / "kev-excerpt.json", kev)
    build_store(db, [SourceFile("kev", kev), SourceFile("nvd", METRICS / "nvd-api-page.json")])
    doc = json.loads(kev.read_text())
    doc["vulnerabilities"] = doc["vulnerabilities"][:1]
    kev.write_text(json.dumps(doc))
    build_store(db, [SourceFile("kev", kev)], append=True)
    store = open_store(db)
    assert store.signals("CVE-2026-35273").kev is not None
    assert store.signals("CVE-2022-0492").kev is None  # gone with the old catalog
    assert store.signals("CVE-2019-20477").cvss  # another location's rows are kept


def test_a_database_without_metrics_tables_answers_empty(tmp_path: Path) -> None:
    import sqlite3

    store, _ = _store(tmp_path, METRICS / "kev-excerpt.json")
    store.close()
    with sqlite3.connect(tmp_path / "db.sqlite") as conn:  # as built before metrics existed
        for table in ("cve_cvss", "cve_ssvc", "cve_kev", "cve_epss"):
            conn.execute(f"DROP TABLE {table}")
    old = open_store(tmp_path / "db.sqlite")
    assert old.signals("CVE-2026-35273").kev is None
    reports = build_store(
        tmp_path / "db.sqlite",
        [SourceFile("named", METRICS / "kev-excerpt.json", kind="kev")],
        append=True,
    )
    assert reports[0].imported == 3
