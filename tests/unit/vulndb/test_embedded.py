"""The embedded default: every record of each shipped source, its cut-off date, its loader hook."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from caulk.errors import DatabaseError
from caulk.vulndb import defaults
from caulk.vulndb.defaults import (
    EmbeddedFile,
    default_store,
    embedded_cutoff_line,
    embedded_files,
    embedded_notice,
)
from caulk.vulndb.store import SourceFile, build_store, open_store
from tests.unit.match.corpora import SHARED_ADVISORIES

DATA = Path(defaults.__file__).resolve().parents[1] / "data" / "advisories"


def ids(store: object, ecosystem: str, name: str) -> set[str]:
    return {adv.id for adv, _ in store.affecting(ecosystem, name)}  # type: ignore[attr-defined]


def test_manifest_names_every_shipped_file_with_its_digest_and_cutoff() -> None:
    files = embedded_files()
    assert {f.path.name for f in files} == {p.name for p in DATA.glob("*.zip")}
    manifest = json.loads((DATA / "manifest.json").read_text())["files"]
    for entry in manifest:
        data = (DATA / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
        assert entry["cutoff"][:4].isdigit() and entry["documents"] > 0
    readme = (DATA / "README.md").read_text()
    for f in files:  # the attribution table names each file and its cut-off
        assert f"`{f.path.name}`" in readme and f.cutoff in readme


def test_the_embedded_store_holds_whole_sources_not_a_demo_subset() -> None:
    store = default_store()
    # Projects, modules and source packages no demo image installs (the old subset had none).
    assert ids(store, "PyPI", "mlflow") and ids(store, "PyPI", "ansible")
    assert ids(store, "Go", "github.com/hashicorp/vault")
    assert "DSA-5380-1" in ids(store, "Debian:11", "xorg-server")
    assert ids(store, "Alpine:v3.11", "ansible")
    records = {s.location: s.records for s in store.sources()}
    assert records["embedded/pypa.zip"] == 2661
    assert records["embedded/go-vulndb.zip"] == 4291
    assert records["embedded/debian-lists.zip"] > 8900  # one per DSA/DLA (or per CVE once split)
    assert all(s.skipped == 0 for s in store.sources())


def test_status_and_scan_notice_name_the_cutoff_only_while_embedded_data_is_used(
    tmp_path: Path, fixtures: Path
) -> None:
    store = default_store()
    line = embedded_cutoff_line(store)
    assert line is not None and "cut-off 2020 to 2026-08-21" in line
    assert "pypa.zip 2024-10-10" in line and "debian-lists.zip 2023-04-01" in line
    notice = embedded_notice(store)
    assert notice is not None and notice.startswith("matched against caulk's embedded")
    imported = tmp_path / "own.sqlite"
    build_store(imported, [SourceFile("osv", fixtures / "osv-pypa")])
    assert embedded_notice(open_store(imported)) is None


def test_another_kind_of_embedded_data_is_one_loader_run_before_the_database_is_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "metrics.zip"
    extra.write_bytes(b"real metrics would be here")
    files = (*embedded_files(), EmbeddedFile(extra, "cve-metrics", 1, "2024-10-24"))
    monkeypatch.setattr(defaults, "embedded_files", lambda: files)
    with pytest.raises(DatabaseError, match="no loader for embedded data of kind cve-metrics"):
        default_store()
    seen: list[tuple[Path, Sequence[Path]]] = []

    def load(db: Path, paths: Sequence[Path]) -> None:
        seen.append((db, paths))
        with sqlite3.connect(db) as conn:
            conn.execute("INSERT INTO meta VALUES ('metrics', 'loaded')")

    monkeypatch.setitem(defaults.LOADERS, "cve-metrics", load)
    store = default_store()
    assert seen == [(seen[0][0], [extra])] and seen[0][0] != store.path  # before publishing
    assert store.meta()["metrics"] == "loaded"
    assert "metrics.zip 2024-10-24" in (embedded_cutoff_line(store) or "")


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_ADVISORIES.is_dir(), reason="no shared advisory checkout")
def test_packing_the_shared_checkout_again_gives_the_same_bytes(tmp_path: Path) -> None:
    from caulk.vulndb.embed import METRIC_PACKS, build_embedded

    for name, _kind, _origin in METRIC_PACKS:  # packed by caulk.vulndb.metrics.pack, listed here
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    build_embedded(SHARED_ADVISORIES, tmp_path)
    for path in [*DATA.glob("*.zip"), DATA / "manifest.json"]:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
    pypa = len(list((SHARED_ADVISORIES / "pypa" / "vulns").glob("*/*.yaml")))
    go = len(list((SHARED_ADVISORIES / "go-vulndb").glob("GO-*.json")))
    documents = {f.path.name: f.documents for f in embedded_files()}
    assert (documents["pypa.zip"], documents["go-vulndb.zip"]) == (pypa, go)


def test_db_status_names_the_embedded_cutoff(capsys: pytest.CaptureFixture[str]) -> None:
    from caulk.cli.main import main

    with pytest.raises(SystemExit) as exited:
        main(["db", "status"])
    assert exited.value.code in (0, None)
    out = capsys.readouterr().out
    assert "scans use the embedded advisory data" in out
    assert "embedded:   cut-off 2020 to 2026-08-21 (alpine-secdb.zip 2020," in out
    with pytest.raises(SystemExit):
        main(["db", "status", "--format", "json"])
    info = json.loads(capsys.readouterr().out)
    assert info["embedded"]["embedded_cutoff"].startswith("cut-off 2020 to 2026-08-21")
