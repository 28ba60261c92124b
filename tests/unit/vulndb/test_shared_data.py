"""Every record of the shared advisory snapshots imports cleanly (skipped without ../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from caulk.vulndb.store import SourceFile, build_store, open_store

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "advisories"


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason="no ../shared/data/advisories checkout")
def test_all_shared_advisories_import_without_a_skip(tmp_path: Path) -> None:
    parts = {"go-vulndb": "*.json", "pypa/vulns": "*/*.yaml", "debian-osv": "*.json"}
    sources = [SourceFile(str(SHARED / p), SHARED / p) for p in (*parts, "alpine-secdb")]
    reports = build_store(tmp_path / "all.sqlite", sources)
    for report, (part, pattern) in zip(reports, parts.items(), strict=False):
        assert report.skipped == 0, report.errors
        assert report.unknown_ecosystems == ()
        assert report.imported == len(list((SHARED / part).glob(pattern)))
    assert reports[-1].skipped == 0 and reports[-1].imported > 2000  # alpine: one per CVE
    store = open_store(tmp_path / "all.sqlite")
    assert store.count()[1] > 0  # withdrawn records are kept
    assert {"Go", "PyPI", "Debian:9", "Debian:10", "Debian:11", "Alpine:v3.11"} <= set(
        store.ecosystems()
    )
