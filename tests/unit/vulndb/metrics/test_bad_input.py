"""Bad metrics input: one clear line and exit 2 (the old database intact), or a counted skip."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from caulk.cli.main import main
from caulk.errors import AdvisoryFormatError
from caulk.match.severity import rate
from caulk.vulndb.interface import Advisory
from caulk.vulndb.store import SourceFile, build_store, open_store

METRICS = Path(__file__).resolve().parents[3] / "fixtures" / "metrics"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "db.sqlite"
    build_store(path, [SourceFile("kev", METRICS / "kev-excerpt.json")])
    return path


def caulk(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_html_instead_of_json(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "known_exploited_vulnerabilities.json"
    page.write_text("<!DOCTYPE html>\n<html><head><title>Access Denied</title></head></html>\n")
    before = _digest(db)
    for extra in ([], ["--kind", "kev"]):
        code, _, err = caulk(capsys, "db", "--db", str(db), "import", "--append", *extra, str(page))
        assert code == 2
        assert err.count("\n") == 1 and "HTML page" in err and str(page) in err
        assert "Traceback" not in err
    assert _digest(db) == before


def test_truncated_gzip(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whole = gzip.compress((METRICS / "nvd-api-page.json").read_bytes())
    cut = tmp_path / "nvdcve-2.0-2024.json.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    before = _digest(db)
    code, _, err = caulk(capsys, "db", "--db", str(db), "import", "--append", str(cut))
    assert code == 2 and err.count("\n") == 1
    assert "truncated or corrupt gzip" in err and str(cut) in err
    assert _digest(db) == before
    assert open_store(db).signals("CVE-2026-35273").kev is not None


def test_json_cut_short_is_not_imported(db: Path, tmp_path: Path) -> None:
    text = (METRICS / "nvd-api-page.json").read_text()
    cut = tmp_path / "page.json"
    cut.write_text(text[: len(text) * 2 // 3])
    with pytest.raises(AdvisoryFormatError, match="not valid JSON"):
        build_store(db, [SourceFile(str(cut), cut)], append=True)


def test_epss_with_garbage_rows(tmp_path: Path) -> None:
    csv = tmp_path / "epss.csv.gz"
    csv.write_bytes(
        gzip.compress(
            b"#model_version:v2025.03.14,score_date:2026-12-03T00:00:00Z\n"
            b"cve,epss,percentile\n"
            b"CVE-1999-0001,0.03351,0.87326\n"
            b"this is not a row\n"
            b"CVE-1999-0002,1.7,0.9\n"
            b"CVE-1999-0003,abc,0.9\n"
            b"GHSA-xxxx,0.1,0.1\n"
            b"CVE-1999-0004,0.02817,0.84963\n"
        )
    )
    (report,) = build_store(tmp_path / "db.sqlite", [SourceFile("epss", csv)])
    assert (report.imported, report.skipped) == (2, 4)
    assert any("must be numbers in 0..1" in e for e in report.errors)
    assert any("not an EPSS row" in e for e in report.errors)


def test_epss_of_nothing_but_garbage_is_refused(db: Path, tmp_path: Path) -> None:
    csv = tmp_path / "epss.csv"
    csv.write_text("#model_version:v2025.03.14\ncve,epss,percentile\nnope,1,2\n")
    before = _digest(db)
    with pytest.raises(AdvisoryFormatError, match="every one of its 1 records was malformed"):
        build_store(db, [SourceFile("epss", csv)], append=True)
    assert _digest(db) == before


def test_kev_entry_without_cve_id(tmp_path: Path) -> None:
    doc = json.loads((METRICS / "kev-excerpt.json").read_text())
    del doc["vulnerabilities"][1]["cveID"]
    doc["vulnerabilities"][2]["cveID"] = "not-a-cve"
    path = tmp_path / "kev.json"
    path.write_text(json.dumps(doc))
    (report,) = build_store(tmp_path / "db.sqlite", [SourceFile("kev", path)])
    assert (report.imported, report.skipped) == (1, 2)
    assert all("without a valid cveID" in e for e in report.errors)


def _cve5(*cvss: dict[str, object]) -> dict[str, object]:
    return {
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": {"cveId": "CVE-2024-0001", "state": "PUBLISHED"},
        "containers": {
            "cna": {
                "providerMetadata": {"shortName": "example"},
                "metrics": [{"cvssV3_1": c} for c in cvss],
            }
        },
    }


def test_unparseable_cvss_vectors_are_counted(tmp_path: Path) -> None:
    record = _cve5(
        {"vectorString": "CVSS:3.1/AV:X/AC:L", "baseScore": 9.8},
        {"vectorString": "not a vector", "baseScore": 5.0},
        {"vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "baseScore": 7.5},
    )
    path = tmp_path / "CVE-2024-0001.json"
    path.write_text(json.dumps(record))
    (report,) = build_store(tmp_path / "db.sqlite", [SourceFile("cve5", path)])
    assert (report.imported, report.skipped) == (1, 2)
    assert sum("does not parse" in e for e in report.errors) == 2
    (kept,) = open_store(tmp_path / "db.sqlite").signals("CVE-2024-0001").cvss
    assert kept.score == 7.5


def test_a_record_with_three_conflicting_scores(tmp_path: Path) -> None:
    """Three CNA scores of one version (scenarios) plus one whose stated base score contradicts
    its vector: the contradiction is skipped and counted; the highest valid score rates it."""
    record = _cve5(
        {"vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8},
        {"vectorString": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", "baseScore": 5.5},
        {"vectorString": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", "baseScore": 3.1},
        {"vectorString": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", "baseScore": 9.9},
    )
    path = tmp_path / "CVE-2024-0001.json"
    path.write_text(json.dumps(record))
    (report,) = build_store(tmp_path / "db.sqlite", [SourceFile("cve5", path)])
    assert (report.imported, report.skipped) == (1, 1)
    assert "states base score 9.9 but its vector" in report.errors[0]
    signals = open_store(tmp_path / "db.sqlite").signals("CVE-2024-0001")
    assert sorted(m.score for m in signals.cvss) == [3.1, 5.5, 9.8]
    advisory = Advisory(id="GHSA-aaaa-bbbb-cccc", source="osv:PyPI", aliases=("CVE-2024-0001",))
    rating = rate("PyPI", [(advisory, ())], [signals])
    assert (rating.severity.name, rating.source, rating.cvss_score) == (
        "CRITICAL",
        "cna:example",
        9.8,
    )


def test_unknown_kind_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = caulk(
        capsys, "db", "--db", str(tmp_path / "db.sqlite"), "import", "--kind", "osv", "x"
    )
    assert code == 2 and "--kind" in err
