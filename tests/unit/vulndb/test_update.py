from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from caulk.cli.main import main
from caulk.errors import OperationalError, VerificationError
from caulk.vulndb.feeds import Feed, load_feeds
from caulk.vulndb.fetch import Fetcher, make_client
from caulk.vulndb.store import open_store
from caulk.vulndb.update import update_database
from tests.unit.vulndb.feed_server import Feeds, serve


def osv_zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for file in sorted(folder.rglob("*.json")) + sorted(folder.rglob("*.yaml")):
            z.write(file, file.name)
    return buffer.getvalue()


@pytest.fixture
def server(fixtures: Path) -> Iterator[Feeds]:
    feeds = Feeds(
        files={
            "/Go/all.zip": osv_zip(fixtures / "osv-go"),
            "/PyPI/all.zip": osv_zip(fixtures / "osv-pypa"),
            "/tracker/data/json": (fixtures / "debian-tracker" / "json").read_bytes(),
            "/v3.11/main.json": (fixtures / "alpine-json" / "v3.11" / "main.json").read_bytes(),
        }
    )
    with serve(feeds) as running:
        yield running


def feed_list(server: Feeds) -> list[Feed]:
    return [Feed(server.url + path) for path in sorted(server.files)]


def test_update_fetches_every_feed_and_skips_unchanged_ones(server: Feeds, tmp_path: Path) -> None:
    db, root = tmp_path / "vulndb.sqlite", tmp_path / "feeds"
    result = update_database(db, feed_list(server), root)
    assert not result.failed and len(result.reports) == 4
    store = open_store(db)
    assert {s.location for s in store.sources()} == {server.url + p for p in server.files}
    assert [a.id for a, _ in store.affecting("PyPI", "PyYAML")] == [
        "PYSEC-2018-49",
        "PYSEC-2020-176",
    ]
    assert store.get("GO-2023-2102").source == "osv:Go"  # type: ignore[union-attr]
    assert any(
        adv.id == "ALPINE-CVE-2019-1547" for adv, _ in store.affecting("Alpine:v3.11", "openssl")
    )
    assert any(a.status == "fix_deferred" for _, a in store.affecting("Debian:12", "glibc"))

    server.requests.clear()
    again = update_database(db, feed_list(server), root)
    assert again.reports == ()  # nothing changed: no re-import
    assert all(o.download is not None and not o.download.changed for o in again.outcomes)
    assert all(headers.get("if-none-match") for _, headers in server.requests)

    server.files["/PyPI/all.zip"] = osv_zip(fixtures_dir() / "osv-go")  # the PyPI feed changes
    third = update_database(db, feed_list(server), root)
    assert [r.source for r in third.reports] == [server.url + "/PyPI/all.zip"]
    assert [a.id for a, _ in open_store(db).affecting("PyPI", "pyyaml")] == []
    assert {s.location for s in open_store(db).sources()} == {server.url + p for p in server.files}


def fixtures_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "fixtures" / "advisories-import"


def test_interrupted_download_resumes_with_a_range_request(server: Feeds, tmp_path: Path) -> None:
    path = "/tracker/data/json"
    server.cut_after[path] = 1000
    db, root = tmp_path / "vulndb.sqlite", tmp_path / "feeds"
    first = update_database(db, [Feed(server.url + path), Feed(server.url + "/Go/all.zip")], root)
    (failed,) = first.failed
    assert "run again to resume" in (failed.error or "") and "1000 bytes kept" in (
        failed.error or ""
    )
    assert [r.source for r in first.reports] == [server.url + "/Go/all.zip"]  # the rest went in

    server.requests.clear()
    second = update_database(db, [Feed(server.url + path)], root)
    assert not second.failed
    (outcome,) = second.outcomes
    assert outcome.download is not None and outcome.download.resumed_from == 1000
    (_, headers), *_ = server.requests
    assert headers["range"] == "bytes=1000-" and headers["if-range"] == server.etag(path)
    assert outcome.download.path.read_bytes() == server.files[path]
    assert outcome.download.sha256 == hashlib.sha256(server.files[path]).hexdigest()
    assert any(
        adv.id == "DEBIAN-CVE-2023-0286"
        for adv, _ in open_store(db).affecting("Debian:11", "openssl")
    )


def test_a_changed_file_restarts_instead_of_resuming(server: Feeds, tmp_path: Path) -> None:
    path = "/Go/all.zip"
    server.cut_after[path] = 500
    with make_client() as client:
        fetcher = Fetcher(client, tmp_path)
        with pytest.raises(OperationalError):
            fetcher.fetch(Feed(server.url + path))
        server.files[path] = osv_zip(fixtures_dir() / "osv-pypa")  # new ETag: If-Range fails
        download = fetcher.fetch(Feed(server.url + path))
    assert download.resumed_from == 0 and download.path.read_bytes() == server.files[path]


def test_digests_are_verified(server: Feeds, tmp_path: Path) -> None:
    path = "/Go/all.zip"
    url = server.url + path
    server.files["/Go/all.zip.sha256"] = (
        f"{hashlib.sha256(server.files[path]).hexdigest()}  all.zip\n".encode()
    )
    server.goog_md5[path] = server.md5(path)
    with make_client() as client:
        fetcher = Fetcher(client, tmp_path)
        assert fetcher.fetch(Feed(url, sha256_url=url + ".sha256")).changed
        with pytest.raises(VerificationError, match="digest mismatch"):
            Fetcher(client, tmp_path / "b").fetch(Feed(url, sha256="0" * 64))
        server.goog_md5[path] = server.md5("/PyPI/all.zip")
        with pytest.raises(VerificationError, match="digest mismatch"):
            Fetcher(client, tmp_path / "c").fetch(Feed(url))
        with pytest.raises(OperationalError, match="HTTP 404"):
            fetcher.fetch(Feed(server.url + "/nothing.zip"))


def test_offline_never_touches_the_network(server: Feeds, tmp_path: Path) -> None:
    db, root = tmp_path / "vulndb.sqlite", tmp_path / "feeds"

    def no_client() -> httpx.Client:
        raise AssertionError("offline mode created an HTTP client")

    with pytest.raises(OperationalError, match="offline and nothing cached"):
        update_database(db, feed_list(server), root, offline=True, client_factory=no_client)
    update_database(db, feed_list(server), root)  # online once: fills the download cache
    db.unlink()
    server.requests.clear()
    result = update_database(db, feed_list(server), root, offline=True, client_factory=no_client)
    assert server.requests == [] and len(result.reports) == 4
    assert open_store(db).get("GO-2023-2102") is not None


def test_feeds_file(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        "feeds:\n  - https://example.org/PyPI/all.zip\n"
        "  - {url: https://example.org/x.json, sha256: abc}\n"
    )
    assert load_feeds(tmp_path / "feeds.yaml") == (
        Feed("https://example.org/PyPI/all.zip"),
        Feed("https://example.org/x.json", sha256="abc"),
    )


def caulk(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the real CLI entry point in-process; returns (exit code, stdout, stderr)."""
    capsys.readouterr()
    try:
        main(list(args))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_import_update_status(
    server: Feeds,
    tmp_path: Path,
    fixtures: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CAULK_DB", str(tmp_path / "v.sqlite"))
    code, out, err = caulk(
        capsys, "db", "import", str(fixtures / "osv-pypa"), str(fixtures / "alpine-yaml")
    )
    assert code == 0, err
    assert f"imported 5 records from {fixtures / 'osv-pypa'}" in out
    code, out, err = caulk(
        capsys, "db", "import", "--append", str(fixtures / "debian-tracker" / "json")
    )
    assert "(2 skipped)" in out and "skipped: " in err
    status = json.loads(caulk(capsys, "db", "status", "--format", "json")[1])
    assert status["exists"] and len(status["sources"]) == 3 and status["advisories"] > 10

    code, out, err = caulk(
        capsys, "db", "update", "--offline", "--feed", server.url + "/Go/all.zip"
    )
    assert code == 3 and "offline: not contacting the network" in out and server.requests == []
    code, out, err = caulk(capsys, "db", "update", "--feed", server.url + "/Go/all.zip")
    assert code == 0, err
    assert f"fetched {server.url}/Go/all.zip" in out
    assert f"{server.url}/Go/all.zip  [osv] 3 records" in caulk(capsys, "db", "status")[1]
    code, out, err = caulk(
        capsys, "db", "update", "--offline", "--feed", server.url + "/Go/all.zip"
    )
    assert code == 0 and "database up to date" in out

    code, out, err = caulk(capsys, "db", "import", "--append", server.url + "/v3.11/main.json")
    assert code == 0 and f"records from {server.url}/v3.11/main.json" in out
    store = open_store(tmp_path / "v.sqlite")
    assert {adv.id for adv, _ in store.affecting("Alpine:v3.11", "musl")} >= {
        "ALPINE-CVE-2019-14697"
    }
    assert len(store.sources()) == 5  # pypa, alpine-yaml, tracker, the Go feed, this URL

    code, _, err = caulk(capsys, "db", "--db", str(tmp_path / "none.sqlite"), "status")
    assert code == 3 and "caulk db import" in err
    code, _, err = caulk(capsys, "db", "import", str(tmp_path / "nope"))
    assert code == 2 and "nope: no such file or directory" in err
