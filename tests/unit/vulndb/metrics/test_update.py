"""`caulk db update` knows the KEV, EPSS and NVD feeds; here served by a real local HTTP server
with the real-format fixture files (detected by content: a download has no file name)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

from caulk.vulndb.feeds import DEFAULT_FEEDS, Feed
from caulk.vulndb.metrics.feeds import EPSS_URL, KEV_URL, NVD_YEAR_URL
from caulk.vulndb.store import open_store
from caulk.vulndb.update import update_database
from tests.unit.vulndb.feed_server import Feeds, serve

METRICS = Path(__file__).resolve().parents[3] / "fixtures" / "metrics"


@pytest.fixture
def server() -> Iterator[Feeds]:
    feeds = Feeds(
        files={
            "/feeds/known_exploited_vulnerabilities.json": (
                METRICS / "kev-excerpt.json"
            ).read_bytes(),
            "/epss_scores-current.csv.gz": (METRICS / "epss-excerpt.csv.gz").read_bytes(),
            "/feeds/json/cve/2.0/nvdcve-2.0-2019.json.gz": gzip.compress(
                (METRICS / "nvd-api-page.json").read_bytes()
            ),
        }
    )
    with serve(feeds) as running:
        yield running


def test_default_feeds_name_kev_epss_and_nvd() -> None:
    urls = {f.url for f in DEFAULT_FEEDS}
    assert {KEV_URL, EPSS_URL, NVD_YEAR_URL.format(2002), NVD_YEAR_URL.format(2025)} <= urls


def test_update_imports_metric_feeds(server: Feeds, tmp_path: Path) -> None:
    db = tmp_path / "vulndb.sqlite"
    feeds = [Feed(server.url + path) for path in sorted(server.files)]
    result = update_database(db, feeds, tmp_path / "feeds")
    assert not result.failed
    assert sorted((r.imported, r.skipped) for r in result.reports) == [(3, 0), (10, 0), (12, 0)]
    store = open_store(db)
    assert {s.kinds for s in store.sources()} == {("kev",), ("epss",), ("nvd",)}
    assert store.signals("CVE-2026-35273").kev is not None
    assert store.signals("CVE-2019-20477").cvss
    assert store.signals("CVE-1999-0016").epss is not None
    again = update_database(db, feeds, tmp_path / "feeds")
    assert again.reports == ()  # unchanged feeds are not re-imported


def test_a_feed_answering_html_leaves_the_database(server: Feeds, tmp_path: Path) -> None:
    db = tmp_path / "vulndb.sqlite"
    feeds = [Feed(server.url + path) for path in sorted(server.files)]
    update_database(db, feeds, tmp_path / "feeds")
    before = db.read_bytes()
    server.files["/feeds/known_exploited_vulnerabilities.json"] = (
        b"<!DOCTYPE html><html><body>Access Denied</body></html>"
    )
    from caulk.errors import AdvisoryFormatError

    with pytest.raises(AdvisoryFormatError, match="HTML page"):
        update_database(db, feeds, tmp_path / "feeds")
    assert db.read_bytes() == before
