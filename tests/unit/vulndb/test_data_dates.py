"""The data's own date per source (feed timestamp, else newest record date), recorded at import,
shown by `db status`; read from the records for databases built before dates were recorded."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from caulk.vulndb.dates import parse_utc, record_date
from caulk.vulndb.store import SourceFile, build_store, open_store
from caulk.vulndb.update import update_database
from tests.unit.vulndb.feed_server import Feeds
from tests.unit.vulndb.test_update import caulk, feed_list, server  # noqa: F401 - fixture

CLOCK = datetime(2026, 12, 1, tzinfo=UTC)


def _dates(db: Path) -> dict[str, tuple[str | None, str, tuple[str, ...]]]:
    store = open_store(db)
    try:
        return {
            Path(f.location).name: (f.data_date, f.date_basis, f.ecosystems)
            for f in store.freshness()
        }
    finally:
        store.close()


def test_newest_record_date_per_source(tmp_path: Path, fixtures: Path) -> None:
    db = tmp_path / "v.sqlite"
    sources = [SourceFile(str(fixtures / n), fixtures / n) for n in ("osv-pypa", "osv-go")]
    build_store(db, [*sources, SourceFile("alpine", fixtures / "alpine-yaml")], now=lambda: CLOCK)
    dates = _dates(db)
    # the newest `modified` of the real PyPA records (fractions of a second dropped)
    assert dates["osv-pypa"] == ("2023-11-08T18:38:34Z", "newest record", ("PyPI",))
    # Go's records say modified 0001-01-01 (a placeholder): their `published` dates count
    assert dates["osv-go"] == ("2022-08-29T22:15:46Z", "newest record", ("Go",))
    # Alpine secdb records carry no dates at all: unknown, never the import time
    assert dates["alpine"] == (None, "", ("Alpine:v3.8",))


def test_future_dates_and_feed_timestamps(tmp_path: Path, fixtures: Path) -> None:
    record = json.loads((fixtures / "osv-go" / "GO-2022-0956.json").read_text())
    future = tmp_path / "future"
    future.mkdir()
    (future / "a.json").write_text(json.dumps({**record, "modified": "2099-01-01T00:00:00Z"}))
    db = tmp_path / "v.sqlite"
    build_store(db, [SourceFile("future", future)], now=lambda: CLOCK)
    assert _dates(db)["future"][:2] == ("2022-08-29T22:15:46Z", "newest record")  # 2099 ignored
    stamped = SourceFile("stamped", future, feed_timestamp="Sat, 28 Nov 2026 10:00:00 GMT")
    build_store(db, [stamped], now=lambda: CLOCK)
    assert _dates(db)["stamped"][:2] == ("2026-11-28T10:00:00Z", "feed timestamp")


def test_database_built_before_dates_were_recorded(tmp_path: Path, fixtures: Path) -> None:
    db = tmp_path / "v.sqlite"
    build_store(db, [SourceFile("pypa", fixtures / "osv-pypa")], now=lambda: CLOCK)
    with sqlite3.connect(db) as conn:  # what an older caulk wrote: no dates in the report
        conn.execute("""UPDATE sources SET report = '{"unknown_ecosystems": [], "errors": []}'""")
    assert _dates(db)["pypa"] == ("2023-11-08T18:38:34Z", "newest record", ("PyPI",))


def test_update_records_the_feeds_last_modified(server: Feeds, tmp_path: Path) -> None:  # noqa: F811
    db = tmp_path / "v.sqlite"
    update_database(db, feed_list(server), tmp_path / "feeds")
    dates = _dates(db)
    assert dates["all.zip"][:2] == ("2026-11-28T10:00:00Z", "feed timestamp")
    assert dates["json"][:2] == ("2026-11-28T10:00:00Z", "feed timestamp")  # the tracker dump


def test_import_by_url_records_the_feeds_last_modified(
    server: Feeds,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CAULK_DB", str(tmp_path / "v.sqlite"))
    url = server.url + "/v3.11/main.json"
    assert caulk(capsys, "db", "import", url)[0] == 0
    (source,) = json.loads(caulk(capsys, "db", "status", "--format", "json")[1])["sources"]
    assert (source["location"], source["data_date"]) == (url, "2026-11-28T10:00:00Z")
    assert source["date_basis"] == "feed timestamp" and source["ecosystems"] == ["Alpine:v3.11"]


def test_db_status_shows_data_dates(
    tmp_path: Path,
    fixtures: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CAULK_DB", str(tmp_path / "v.sqlite"))
    code, _, err = caulk(
        capsys, "db", "import", str(fixtures / "osv-pypa"), str(fixtures / "alpine-yaml")
    )
    assert code == 0, err
    code, out, _ = caulk(capsys, "db", "status")
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    pypa = lines[str(fixtures / "osv-pypa")]
    assert "5 records, data from 2023-11-08T18:38:34Z (" in pypa and "newest record)" in pypa
    assert ", imported " in pypa
    assert "data date unknown" in lines[str(fixtures / "alpine-yaml")]
    doc = json.loads(caulk(capsys, "db", "status", "--format", "json")[1])
    by_location = {s["location"]: s for s in doc["sources"]}
    assert by_location[str(fixtures / "osv-pypa")]["data_date"] == "2023-11-08T18:38:34Z"
    assert by_location[str(fixtures / "alpine-yaml")]["data_date"] is None


def test_date_parsing() -> None:
    assert parse_utc("2024-05-01") == datetime(2024, 5, 1, tzinfo=UTC)
    assert parse_utc("2024-05-01T02:00:00+02:00") == datetime(2024, 5, 1, tzinfo=UTC)
    assert parse_utc("Wed, 01 May 2024 00:00:00 GMT") == datetime(2024, 5, 1, tzinfo=UTC)
    for bad in ("", "yesterday", None, 5):
        assert parse_utc(bad) is None
    assert record_date("0001-01-01T00:00:00Z") is None
