"""`db update` with discovery feeds against a real local HTTP server: Alpine branches from the
secdb index (no release list in the code), Amazon Linux updateinfo.xml from a mirror list and
repomd.xml (sha256 verified), the default feeds naming every distribution."""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from caulk.errors import UsageError
from caulk.vulndb.feeds import DEFAULT_FEEDS, Feed, load_feeds
from caulk.vulndb.store import open_store
from caulk.vulndb.update import update_database
from tests.unit.vulndb.feed_server import Feeds, serve

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
UPDATEINFO = (FIXTURES / "advisories-distros" / "amazon" / "al2023-updateinfo.xml").read_bytes()
ALPINE = (FIXTURES / "advisories-import" / "alpine-json" / "v3.11" / "main.json").read_bytes()


def _autoindex(*names: str) -> bytes:
    """An nginx autoindex page, as secdb.alpinelinux.org serves."""
    rows = "".join(f'<a href="{n}">{n}</a>   01-Dec-2026 06:00    -\n' for n in names)
    head = "<html><head><title>Index of /</title></head><body><pre>"
    return f"{head}{rows}</pre></body></html>".encode()


def _repomd(updateinfo: bytes, href: str) -> bytes:
    real = (FIXTURES / "yum-repodata" / "repomd.xml").read_text()
    digest = hashlib.sha256(updateinfo).hexdigest()
    block = re.search(r'<data type="updateinfo">.*?</data>', real, re.S)
    assert block is not None
    ours = re.sub(r"(<checksum type=\"sha256\">)[0-9a-f]+", rf"\g<1>{digest}", block.group(0))
    ours = ours.replace('href="repodata/updateinfo.xml.gz"', f'href="{href}"')
    return real.replace(block.group(0), ours).encode()


@pytest.fixture
def server() -> Iterator[Feeds]:
    gz = gzip.compress(UPDATEINFO, mtime=0)
    feeds = Feeds(
        files={
            "/secdb/": _autoindex("../", "v3.9/", "v3.11/", "edge/", "last-update"),
            "/secdb/v3.9/": _autoindex("../", "main.yaml"),
            "/secdb/v3.11/": _autoindex("../", "main.json", "main.yaml"),
            "/secdb/v3.11/main.json": ALPINE,
            "/al2023/repo/s1/repodata/repomd.xml": _repomd(gz, "repodata/aa-updateinfo.xml.gz"),
            "/al2023/repo/s1/repodata/aa-updateinfo.xml.gz": gz,
        }
    )
    with serve(feeds) as running:
        running.files["/al2023/mirror.list"] = f"{running.url}/al2023/repo/s1\n".encode()
        yield running


def _discovery(server: Feeds) -> list[Feed]:
    return [
        Feed(f"{server.url}/secdb/", discover="alpine-secdb"),
        Feed(f"{server.url}/al2023/mirror.list", discover="yum-updateinfo"),
    ]


def test_branches_and_updateinfo_are_discovered(server: Feeds, tmp_path: Path) -> None:
    db, root = tmp_path / "v.sqlite", tmp_path / "feeds"
    result = update_database(db, _discovery(server), root)
    assert not result.failed
    fetched = sorted(o.download.url for o in result.outcomes if o.download)
    assert fetched == [
        f"{server.url}/al2023/repo/s1/repodata/aa-updateinfo.xml.gz",
        f"{server.url}/secdb/v3.11/main.json",  # v3.9 has no JSON, edge is not a vX.Y branch
    ]
    store = open_store(db)
    assert {s.location for s in store.sources()} == {
        f"{server.url}/al2023/mirror.list",  # the snapshot URL changes; the source does not
        f"{server.url}/secdb/v3.11/main.json",
    }
    assert store.get("ALAS2023-2023-001") is not None
    assert any(
        a.id == "ALPINE-CVE-2019-1547" for a, _ in store.affecting("Alpine:v3.11", "openssl")
    )

    # a new repository snapshot replaces the old one (no second Amazon source), offline reuses it
    gz2 = gzip.compress(UPDATEINFO.replace(b"2023-02-22 23:22", b"2023-02-23 23:22"), mtime=0)
    server.files["/al2023/repo/s2/repodata/repomd.xml"] = _repomd(
        gz2, "repodata/bb-updateinfo.xml.gz"
    )
    server.files["/al2023/repo/s2/repodata/bb-updateinfo.xml.gz"] = gz2
    server.files["/al2023/mirror.list"] = f"{server.url}/al2023/repo/s2\n".encode()
    again = update_database(db, _discovery(server), root)
    assert [r.source for r in again.reports] == [f"{server.url}/al2023/mirror.list"]
    assert len(open_store(db).sources()) == 2
    server.requests.clear()
    offline = update_database(db, _discovery(server), root, offline=True)
    assert server.requests == [] and not offline.failed and offline.reports == ()


def test_a_digest_mismatch_or_broken_index_changes_nothing(server: Feeds, tmp_path: Path) -> None:
    db, root = tmp_path / "v.sqlite", tmp_path / "feeds"
    secdb, amazon = _discovery(server)
    gz = server.files["/al2023/repo/s1/repodata/aa-updateinfo.xml.gz"]
    server.files["/al2023/repo/s1/repodata/repomd.xml"] = _repomd(
        gz + b"tampered", "repodata/aa-updateinfo.xml.gz"
    )
    result = update_database(db, [secdb, amazon], root)
    (failed,) = result.failed
    assert failed.error is not None and "digest mismatch: download discarded" in failed.error
    store = open_store(db)
    assert store.get("ALAS2023-2023-001") is None and len(store.sources()) == 1
    store.close()
    before = db.read_bytes()

    server.files["/al2023/repo/s1/repodata/repomd.xml"] = b"<html>maintenance</html"
    server.files["/secdb/"] = b"<html>nothing here</html>"
    result = update_database(db, [secdb, amazon], root)
    errors = " | ".join(o.error or "" for o in result.failed)
    assert len(result.failed) == 2 and "no vX.Y/ branch in the secdb index" in errors
    assert "repomd.xml does not parse" in errors
    assert result.reports == () and db.read_bytes() == before  # the last discovery is reused


def test_default_feeds_name_every_distribution() -> None:
    urls = {f.url for f in DEFAULT_FEEDS}
    for eco in ("Debian", "Ubuntu", "Red%20Hat", "AlmaLinux", "Rocky%20Linux", "SUSE", "openSUSE"):
        assert f"https://osv-vulnerabilities.storage.googleapis.com/{eco}/all.zip" in urls
    for eco in ("Wolfi", "Chainguard", "Alpine"):
        assert f"https://osv-vulnerabilities.storage.googleapis.com/{eco}/all.zip" in urls
    discovery = {f.url: f.discover for f in DEFAULT_FEEDS if f.discover}
    assert discovery == {
        "https://secdb.alpinelinux.org/": "alpine-secdb",
        "https://cdn.amazonlinux.com/2/core/latest/x86_64/mirror.list": "yum-updateinfo",
        "https://cdn.amazonlinux.com/al2023/core/mirrors/latest/x86_64/mirror.list": (
            "yum-updateinfo"
        ),
    }
    assert not [u for u in urls if re.search(r"/v3\.\d+/", u)], "no hard-coded Alpine release"


def test_feeds_file_discovery_key(tmp_path: Path) -> None:
    good = tmp_path / "feeds.yaml"
    good.write_text("feeds:\n  - {url: https://mirror.example/secdb/, discover: alpine-secdb}\n")
    assert load_feeds(good) == (Feed("https://mirror.example/secdb/", discover="alpine-secdb"),)
    bad = tmp_path / "bad.yaml"
    bad.write_text("- {url: https://x.example/, discover: gentoo}\n")
    with pytest.raises(UsageError, match="discover is one of alpine-secdb, yum-updateinfo"):
        load_feeds(bad)
