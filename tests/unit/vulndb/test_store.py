from __future__ import annotations

import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from caulk.errors import AdvisoryFormatError, DatabaseError
from caulk.vulndb.defaults import default_store, load_store
from caulk.vulndb.store import SourceFile, build_store, open_store


def src(path: Path) -> SourceFile:
    return SourceFile(str(path), path)


@pytest.fixture
def db(tmp_path: Path, fixtures: Path) -> Path:
    path = tmp_path / "db" / "vulndb.sqlite"
    build_store(
        path,
        [
            src(fixtures / "osv-go"),
            src(fixtures / "osv-pypa"),
            src(fixtures / "debian-tracker" / "json"),
        ],
    )
    return path


def ids(store: object, ecosystem: str, name: str) -> list[str]:
    return [adv.id for adv, _ in store.affecting(ecosystem, name)]  # type: ignore[attr-defined]


def test_query_by_ecosystem_and_normalised_name(db: Path) -> None:
    store = open_store(db)
    assert ids(store, "PyPI", "PyYAML") == ["PYSEC-2018-49", "PYSEC-2020-176"]
    assert ids(store, "PyPI", "jw.util") == ["PYSEC-2020-341"]
    assert ids(store, "Go", "stdlib") == ["GO-2023-2102"]
    assert ids(store, "Debian:12", "openssl") == ["DEBIAN-CVE-2022-1292", "DEBIAN-CVE-2023-0286"]
    assert ids(store, "Debian:13", "openssl") == []  # ecosystems match exactly
    assert "Debian:12" in store.ecosystems() and "PyPI" in store.ecosystems()
    adv, affected = next(store.affecting("Debian:12", "zlib"))
    assert affected.status == "will_not_fix" and affected in adv.affected


def test_withdrawn_is_stored_but_never_returned(db: Path) -> None:
    store = open_store(db)
    assert ids(store, "Go", "k8s.io/kubernetes") == []
    withdrawn = store.get("GO-2022-0617")
    assert withdrawn is not None and withdrawn.withdrawn == "2024-08-21T16:25:56Z"
    assert store.count() == (3 + 5 + 5, 1)


def test_same_record_in_two_sources_is_returned_once(
    db: Path, fixtures: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "Go" / "all.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as z:
        z.write(fixtures / "osv-go" / "GO-2023-2102.json", "GO-2023-2102.json")
    build_store(db, [src(archive)], append=True)
    store = open_store(db)
    assert ids(store, "Go", "stdlib") == ["GO-2023-2102"]
    assert ids(store, "Go", "golang.org/x/net") == ["GO-2023-2102"]
    assert len(store.get("GO-2023-2102").affected) == 2  # type: ignore[union-attr]
    assert [s.location for s in store.sources()] == sorted(
        [
            str(archive),
            str(fixtures / "osv-go"),
            str(fixtures / "osv-pypa"),
            str(fixtures / "debian-tracker" / "json"),
        ]
    )


def test_append_keeps_other_sources_and_replaces_the_same_location(
    db: Path, fixtures: Path
) -> None:
    build_store(db, [src(fixtures / "alpine-yaml")], append=True)
    store = open_store(db)
    assert ids(store, "Alpine:v3.8", "db")[:1] == ["ALPINE-CVE-2016-0682"]
    assert ids(store, "PyPI", "pyyaml")
    before = store.count()
    build_store(db, [src(fixtures / "alpine-yaml")], append=True)  # again: replaced, not doubled
    assert open_store(db).count() == before
    build_store(db, [src(fixtures / "alpine-yaml")])  # without --append: only this source
    assert [s.location for s in open_store(db).sources()] == [str(fixtures / "alpine-yaml")]


def test_import_report_is_recorded(db: Path, fixtures: Path) -> None:
    (info,) = [s for s in open_store(db).sources() if s.location.endswith("json")]
    assert info.kinds == ("debian-tracker",) and info.records == 5 and info.skipped == 2
    assert len(info.sha256) == 64 and info.errors


def test_replace_is_atomic_for_open_readers(db: Path, fixtures: Path) -> None:
    reader = open_store(db)
    assert ids(reader, "PyPI", "pyyaml")
    build_store(db, [src(fixtures / "alpine-yaml")])
    # The open reader keeps its (now unlinked) file; a new reader sees the new database.
    assert ids(reader, "PyPI", "pyyaml") == ["PYSEC-2018-49", "PYSEC-2020-176"]
    assert ids(open_store(db), "PyPI", "pyyaml") == []
    assert [p.name for p in db.parent.iterdir() if p.suffix == ".tmp"] == []


READER = """
import sys, time
from pathlib import Path
from caulk.vulndb.store import open_store
path, deadline, n = Path(sys.argv[1]), time.time() + 1.5, 0
while time.time() < deadline:
    store = open_store(path)
    found = [a.id for a, _ in store.affecting("PyPI", "pyyaml")]
    assert found, found
    store.close()
    n += 1
print(n)
"""


def test_concurrent_readers_during_replacements(db: Path, fixtures: Path) -> None:
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    sources = [src(fixtures / "osv-pypa"), src(fixtures / "alpine-yaml")]
    for _ in range(4):
        build_store(db, sources)
    for proc in readers:
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err.decode()
        assert int(out) > 0


def test_failed_import_leaves_the_database_untouched(
    db: Path, fixtures: Path, tmp_path: Path
) -> None:
    before = db.read_bytes()
    with pytest.raises(AdvisoryFormatError, match="no such file"):
        build_store(db, [src(fixtures / "alpine-yaml"), src(tmp_path / "missing")])
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["vulndb.sqlite", "vulndb.sqlite.lock"]


def test_open_store_refuses_missing_corrupt_and_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="caulk db import") as err:
        open_store(tmp_path / "none.sqlite")
    assert "none.sqlite" in str(err.value)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError, match="corrupt"):
        open_store(garbage)
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '0')")
    with pytest.raises(DatabaseError, match="schema 0"):
        open_store(foreign)


def test_default_store_is_built_from_embedded_real_data(tmp_path: Path) -> None:
    store = default_store()
    assert store.path.parent == tmp_path / "cache" and store.path.name.startswith(
        "vulndb-embedded-"
    )
    django = ids(store, "PyPI", "Django")
    assert len(django) > 100 and "PYSEC-2021-98" in django
    assert "DSA-5343-1" in ids(store, "Debian:11", "openssl")
    assert "GO-2023-2102" in ids(store, "Go", "stdlib")
    assert ids(store, "Alpine:v3.8", "db")
    assert default_store().path == store.path  # built once, then reused
    assert load_store().path == store.path  # no user database: the embedded one


def test_load_store_prefers_the_user_database(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_store(db).path == db
    monkeypatch.setenv("CAULK_DB", str(db))
    assert load_store().path == db
    monkeypatch.setenv("CAULK_DB", str(db.parent / "missing.sqlite"))
    with pytest.raises(DatabaseError):
        load_store()


def test_a_source_with_only_malformed_records_leaves_the_database_alone(
    db: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad-osv"
    bad.mkdir()
    (bad / "GHSA-1.json").write_text('{"id": "GHSA-1", "affected": "not a list"}')
    (bad / "GHSA-2.json").write_text("{ not json")
    before = db.read_bytes()
    with pytest.raises(AdvisoryFormatError, match="every one of its 2 records was malformed"):
        build_store(db, [src(bad)])
    assert db.read_bytes() == before
    assert ids(open_store(db), "Go", "stdlib")  # still the old, full database
