"""Issue 9 item 14: an advisory database another local user could have written is refused, not
trusted (it decides what a scan reports and whether `--fail-on` passes)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from caulk.errors import DatabaseError, OperationalError
from caulk.vulndb.defaults import default_store, load_store
from caulk.vulndb.store import SourceFile, build_store, open_store
from tests.conftest import run_caulk_subprocess

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "examples" / "demo-image"
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand files to another user")


@pytest.fixture
def db(tmp_path: Path, fixtures: Path) -> Path:
    path = tmp_path / "db" / "vulndb.sqlite"
    build_store(path, [SourceFile("osv-pypa", fixtures / "osv-pypa")])
    return path


def test_own_database_opens(db: Path) -> None:
    open_store(db).close()


@as_root
def test_database_of_another_user_is_refused(db: Path) -> None:
    os.chown(db, 65534, 65534)
    with pytest.raises(DatabaseError, match="uid 65534") as info:
        open_store(db)
    assert str(db) in str(info.value)


def test_database_others_can_write_is_refused(db: Path) -> None:
    db.chmod(0o666)
    with pytest.raises(DatabaseError, match="writable by other users"):
        open_store(db)


def test_database_in_a_directory_others_can_write_is_refused(db: Path) -> None:
    db.parent.chmod(0o777)
    with pytest.raises(DatabaseError, match="writable by other users"):
        open_store(db)
    db.parent.chmod(0o1777)  # sticky (like /tmp): others cannot replace our file
    open_store(db).close()


@as_root
def test_planted_journal_beside_our_database_is_refused(db: Path) -> None:
    journal = Path(f"{db}-journal")
    journal.write_bytes(b"planted")
    os.chown(journal, 65534, 65534)
    with pytest.raises(DatabaseError, match="journal"):
        open_store(db)


@as_root
def test_planted_database_in_a_shared_cache_dir_fails_the_scan(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared-cache"
    shared.mkdir()
    planted = shared / "vulndb.sqlite"
    planted.write_bytes(db.read_bytes())  # a database with no advisory for the image: 0 found
    os.chown(planted, 65534, 65534)
    monkeypatch.setenv("CAULK_CACHE_DIR", str(shared))
    with pytest.raises(DatabaseError, match="uid 65534"):
        load_store()
    run = run_caulk_subprocess(
        "scan", "--fail-on", "critical", "-f", "json", f"oci:{DEMO}:latest",
        env={"CAULK_CACHE_DIR": str(shared)},
    )  # fmt: skip
    assert run.code == 3, run
    assert "uid 65534" in run.stderr and "Traceback" not in run.stderr
    assert run.stdout == ""


@as_root
def test_cache_root_of_another_user_is_refused_for_the_embedded_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared-cache"
    shared.mkdir(mode=0o777)
    os.chown(shared, 65534, 65534)
    monkeypatch.setenv("CAULK_CACHE_DIR", str(shared))
    with pytest.raises(DatabaseError, match="uid 65534"):
        default_store()
    assert list(shared.iterdir()) == []  # nothing built in another user's directory


def test_database_in_our_loose_cache_root_is_refused_until_tightened(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "mine"
    root.mkdir()
    root.chmod(0o777)
    (root / "vulndb.sqlite").write_bytes(db.read_bytes())
    monkeypatch.setenv("CAULK_CACHE_DIR", str(root))
    with pytest.raises(DatabaseError, match="writable by other users"):
        load_store()
    root.chmod(0o755)
    load_store().close()


def test_no_database_is_built_in_a_directory_others_can_write(
    tmp_path: Path, fixtures: Path
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(DatabaseError, match="refusing to build"):
        build_store(shared / "vulndb.sqlite", [SourceFile("osv-pypa", fixtures / "osv-pypa")])
    assert list(shared.iterdir()) == []


def test_planted_lock_symlink_is_not_followed(tmp_path: Path, fixtures: Path) -> None:
    path = tmp_path / "db" / "vulndb.sqlite"
    path.parent.mkdir()
    victim = tmp_path / "victim"
    Path(f"{path}.lock").symlink_to(victim)
    with pytest.raises(DatabaseError, match="lock"):
        build_store(path, [SourceFile("osv-pypa", fixtures / "osv-pypa")])
    assert not victim.exists()


# --- the feed download cache feeds the (trusted) database: same rule -----------------------------


@as_root
def test_planted_feed_download_is_not_imported(tmp_path: Path, fixtures: Path) -> None:
    from caulk.vulndb.feeds import Feed
    from caulk.vulndb.fetch import Fetcher
    from caulk.vulndb.update import update_database

    root = tmp_path / "feeds"
    url = "https://feeds.example/osv/PyPI/all.zip"
    folder = Fetcher(None, root)._dir(url)  # where a download of that URL would be cached
    folder.mkdir()
    (folder / "body").write_bytes(b"planted")
    (folder / "state.json").write_text(
        json.dumps({"url": url, "complete": True, "sha256": "0" * 64, "fetched_at": "x"})
    )
    for path in (folder, folder / "body", folder / "state.json"):
        os.chown(path, 65534, 65534)
    assert Fetcher(None, root).cached(Feed(url)) is None
    with pytest.raises(OperationalError, match="nothing cached"):
        update_database(tmp_path / "db.sqlite", [Feed(url)], root, offline=True)
    assert not (tmp_path / "db.sqlite").exists()


def test_feed_cache_root_is_private_and_not_a_symlink(tmp_path: Path) -> None:
    from caulk.vulndb.fetch import Fetcher

    root = tmp_path / "feeds"
    root.mkdir()
    root.chmod(0o777)
    Fetcher(None, root)
    assert root.stat().st_mode & 0o777 == 0o700
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "link").symlink_to(elsewhere)
    with pytest.raises(OperationalError, match="symlink"):
        Fetcher(None, tmp_path / "link")
