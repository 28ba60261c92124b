"""rpm databases built by real tools: rpmbuild makes three packages, `rpm --justdb` installs them
into an `rpmdb.sqlite`; Berkeley DB `Packages` files are written by `db5.3_load` (hash at two
page sizes, and btree) from the same header blobs and read back by rpm's own `bdb_ro` backend; NDB
`Packages.db` is written here following rpm's `rpmpkg.c` (Debian's rpm has no NDB backend).
The oracle for every format is `rpm -qa`."""

from __future__ import annotations

import sqlite3
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from caulk.catalog.context import catalog_context
from caulk.catalog.interface import Distro
from caulk.catalog.rpm import ANALYZER, RpmCataloger, RpmDatabase, owned_files, parse_rpmdb
from caulk.catalog.rpmdb import parse_header, read_bdb, read_ndb, read_sqlite
from caulk.fs.view import view_from_layers
from caulk.model import Unknown
from tests.support import synth
from tests.unit.fs.helpers import index

pytestmark = pytest.mark.tools("rpm", "rpmbuild", "db5.3_load")

SPECS = {
    "caulk-hello": """Name: caulk-hello
Version: 1.2.3
Release: 4.el9
Epoch: 2
Summary: many files, so its header spans several Berkeley DB overflow pages
License: MIT
BuildArch: noarch
%description
test
%install
mkdir -p %{buildroot}/usr/share/caulk-hello
for i in $(seq 1 300); do echo $i > %{buildroot}/usr/share/caulk-hello/file-number-$i.txt; done
%files
/usr/share/caulk-hello
""",
    "caulk-mod": """Name: caulk-mod
Version: 0.9
Release: 1.module_el8.5.0+1234+abcd
Summary: a modular package owning language metadata
License: ASL 2.0
ModularityLabel: nodejs:18:8050020211112102358:b4937e53
%global debug_package %{nil}
%description
test
%install
mkdir -p %{buildroot}/usr/lib/python3.9/site-packages/owned-1.0.dist-info
echo 'Name: owned' > %{buildroot}/usr/lib/python3.9/site-packages/owned-1.0.dist-info/METADATA
mkdir -p %{buildroot}/usr/share/gems/specifications
echo 'Gem::Specification.new' > %{buildroot}/usr/share/gems/specifications/owned-1.0.gemspec
%files
/usr/lib/python3.9/site-packages/owned-1.0.dist-info
/usr/share/gems/specifications/owned-1.0.gemspec
""",
    "caulk-tiny": """Name: caulk-tiny
Version: 3.0~rc1
Release: 0
Summary: tiny
License: GPL
BuildArch: noarch
%description
t
%files
""",
}


@dataclass(frozen=True)
class RpmFixture:
    sqlite: Path  # directory with rpmdb.sqlite
    blobs: tuple[bytes, ...]
    expected: tuple[str, ...]  # rpm -qa of the sqlite database


RPM_QA = ("rpm", "-qa", "--qf", "%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE} %{ARCH} %{SOURCERPM}\n")


def rpm_qa(dbpath: Path, backend: str = "sqlite") -> tuple[str, ...]:
    out = subprocess.run(
        [*RPM_QA, "--dbpath", str(dbpath), "--define", f"_db_backend {backend}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return tuple(sorted(out.splitlines()))


def ours(db: RpmDatabase) -> tuple[str, ...]:
    return tuple(
        sorted(
            f"{h.name} {h.epoch or 0}:{h.version}-{h.release} {h.arch} {h.source_rpm}"
            for h in db.headers
        )
    )


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> RpmFixture:
    work = tmp_path_factory.mktemp("rpm")
    for name, spec in SPECS.items():
        (work / f"{name}.spec").write_text(spec)
        subprocess.run(
            [
                "rpmbuild",
                "-bb",
                "--quiet",
                "--define",
                f"_topdir {work / 'top'}",
                str(work / f"{name}.spec"),
            ],
            check=True,
            capture_output=True,
        )
    rpms = sorted(str(p) for p in (work / "top" / "RPMS").rglob("*.rpm"))
    assert len(rpms) == 3
    db = work / "sqlite"
    db.mkdir()
    subprocess.run(["rpm", "--initdb", "--dbpath", str(db)], check=True)
    subprocess.run(
        ["rpm", "-i", "--justdb", "--nodeps", "--noscripts", "--dbpath", str(db), *rpms],
        check=True,
        capture_output=True,
    )
    conn = sqlite3.connect(db / "rpmdb.sqlite")
    blobs = tuple(bytes(b) for (b,) in conn.execute("SELECT blob FROM Packages ORDER BY hnum"))
    conn.close()
    return RpmFixture(db, blobs, rpm_qa(db))


def write_bdb(path: Path, blobs: tuple[bytes, ...], kind: str, page_size: int) -> None:
    """A real Berkeley DB file via db5.3_load, keyed like rpm (native-order package numbers,
    and key 0 holding the next package number)."""
    lines = ["VERSION=3", "format=bytevalue", f"type={kind}", f"db_pagesize={page_size}"]
    lines += ["HEADER=END", " " + struct.pack("<I", 0).hex(), " " + struct.pack("<I", 9).hex()]
    for number, blob in enumerate(blobs, start=1):
        lines += [" " + struct.pack("<I", number).hex(), " " + blob.hex()]
    lines.append("DATA=END")
    dump = path.with_suffix(".dump")
    dump.write_text("\n".join(lines) + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["db5.3_load", "-f", str(dump), str(path)], check=True)


def ndb_bytes(blobs: tuple[bytes, ...]) -> bytes:
    """An NDB Packages.db laid out as rpm's rpmpkg.c writes it: header, one page of slots, then
    blobs (head `BlbS` idx generation length, data, tail adler32 length `BlbE`) in 16-byte
    blocks."""
    slots = bytearray(struct.pack("<4sIII", b"RpmP", 0, 1, 1) + b"\0" * 16)
    body = bytearray()
    block = 4096 // 16
    for number, blob in enumerate(blobs, start=1):
        record = struct.pack("<4sIII", b"BlbS", number, 1, len(blob)) + blob
        record += struct.pack("<II4s", zlib.adler32(blob), len(blob), b"BlbE")
        record += b"\0" * (-len(record) % 16)
        slots += struct.pack("<4sIII", b"Slot", number, block, len(record) // 16)
        block += len(record) // 16
        body += record
    while len(slots) < 4096:
        slots += struct.pack("<4sIII", b"Slot", 0, 0, 0)
    return bytes(slots + body)


def test_sqlite_equals_rpm_qa(fixture: RpmFixture) -> None:
    db = parse_rpmdb("/var/lib/rpm/rpmdb.sqlite", (fixture.sqlite / "rpmdb.sqlite").read_bytes())
    assert ours(db) == fixture.expected
    assert "caulk-hello 2:1.2.3-4.el9 noarch caulk-hello-1.2.3-4.el9.src.rpm" in fixture.expected
    headers = {h.name: h for h in db.headers}
    assert headers["caulk-hello"].evr == "2:1.2.3-4.el9"
    assert headers["caulk-tiny"].evr == "3.0~rc1-0" and headers["caulk-tiny"].files == ()
    assert headers["caulk-mod"].modularity_label == "nodejs:18:8050020211112102358:b4937e53"
    assert len(headers["caulk-hello"].files) == 301
    assert "/usr/share/caulk-hello/file-number-300.txt" in headers["caulk-hello"].files


@pytest.mark.parametrize(("kind", "page_size"), [("hash", 4096), ("hash", 65536), ("btree", 4096)])
def test_berkeley_db_equals_rpm_qa(
    fixture: RpmFixture, tmp_path: Path, kind: str, page_size: int
) -> None:
    packages = tmp_path / "Packages"
    write_bdb(packages, fixture.blobs, kind, page_size)
    db = parse_rpmdb("/var/lib/rpm/Packages", packages.read_bytes())
    assert ours(db) == fixture.expected
    if kind == "hash":  # rpm's own reader of Berkeley DB files reads hash databases only
        assert rpm_qa(tmp_path, "bdb_ro") == fixture.expected


def test_ndb_round_trip(fixture: RpmFixture) -> None:
    db = parse_rpmdb("/usr/lib/sysimage/rpm/Packages.db", ndb_bytes(fixture.blobs))
    assert ours(db) == fixture.expected


def test_corrupt_databases_raise_value_error(fixture: RpmFixture, tmp_path: Path) -> None:
    sqlite_bytes = (fixture.sqlite / "rpmdb.sqlite").read_bytes()
    with pytest.raises(ValueError, match="SQLite"):
        list(read_sqlite(sqlite_bytes[:3000]))
    with pytest.raises(ValueError, match="not an SQLite"):
        list(read_sqlite(b"\x7fELF" + b"\0" * 4000))
    packages = tmp_path / "Packages"
    write_bdb(packages, fixture.blobs, "hash", 4096)
    data = packages.read_bytes()
    with pytest.raises(ValueError, match="truncated"):
        list(read_bdb(data[: len(data) // 2]))
    with pytest.raises(ValueError, match="not a Berkeley DB"):
        list(read_bdb(b"garbage" * 1000))
    ndb = bytearray(ndb_bytes(fixture.blobs))
    ndb[48:52] = b"XXXX"  # the second slot's magic (slots start after the 32-byte header)
    with pytest.raises(ValueError, match="bad magic"):
        list(read_ndb(bytes(ndb)))
    ndb = bytearray(ndb_bytes(fixture.blobs))
    ndb[4096:4100] = b"XXXX"  # the first blob's magic
    with pytest.raises(ValueError, match="damaged"):
        list(read_ndb(bytes(ndb)))
    with pytest.raises(ValueError, match="exceed the blob"):
        parse_header(fixture.blobs[0][:100])
    with pytest.raises(ValueError, match="no readable rpm header"):
        parse_rpmdb("/var/lib/rpm/Packages.db", ndb_bytes((b"\0\0\0\x09" + b"\1" * 40,)))


def test_cataloger_purls_ecosystem_ownership_and_unknowns(fixture: RpmFixture) -> None:
    sqlite_bytes = (fixture.sqlite / "rpmdb.sqlite").read_bytes()
    broken_blob = fixture.blobs[1][:8] + b"\xff" * 32  # sizes that exceed the blob
    layers = [
        synth.tar(
            [
                synth.file("/var/lib/rpm/rpmdb.sqlite", sqlite_bytes),
                # an old-format database left beside it: rpm (and caulk) use the SQLite one
                synth.file("/var/lib/rpm/Packages", b"stale"),
                synth.file("/var/lib/rpm/rpmdb.sqlite-wal", b"uncheckpointed pages"),
            ]
        ),
        synth.tar(
            [
                synth.file(
                    "/usr/lib/sysimage/rpm/Packages.db", ndb_bytes((fixture.blobs[0], broken_blob))
                ),
                synth.file("/srv/rpmdb.sqlite", b"not wanted: outside rpm's directories"),
            ]
        ),
    ]
    indexes = [index(tar, i, (ANALYZER,)) for i, tar in enumerate(layers)]
    view = view_from_layers(indexes)
    distro = Distro(id="rhel", version_id="9.3")
    items = list(RpmCataloger().catalog(catalog_context(view, distro)))
    packages = [p for p in items if not isinstance(p, Unknown)]
    unknowns = [u for u in items if isinstance(u, Unknown)]
    assert sorted((p.locations[0].path, p.name) for p in packages) == [
        ("/usr/lib/sysimage/rpm/Packages.db", parse_header(fixture.blobs[0]).name),
        ("/var/lib/rpm/rpmdb.sqlite", "caulk-hello"),
        ("/var/lib/rpm/rpmdb.sqlite", "caulk-mod"),
        ("/var/lib/rpm/rpmdb.sqlite", "caulk-tiny"),
    ]
    hello = next(p for p in packages if p.name == "caulk-hello")
    assert hello.version == "2:1.2.3-4.el9" and hello.ecosystem == "Red Hat:9"
    assert hello.match_name == "caulk-hello"  # rpm advisories name binary packages
    assert hello.purl == (
        "pkg:rpm/rhel/caulk-hello@1.2.3-4.el9?arch=noarch&distro=rhel-9.3&epoch=2"
        "&upstream=caulk-hello-1.2.3-4.el9.src.rpm"
    )
    assert hello.licenses == ("MIT",)
    assert sorted((u.location.path, u.reason.split(":")[0]) for u in unknowns) == [
        ("/usr/lib/sysimage/rpm/Packages.db", "rpm header skipped"),
        ("/var/lib/rpm/rpmdb.sqlite", "rpm SQLite write-ahead log not read"),
    ]
    # the stale Berkeley DB file is not the database rpm uses, but as a damaged file it is reported
    stale = [u for u in indexes[0].unknowns if u.location.path == "/var/lib/rpm/Packages"]
    assert len(stale) == 1 and "Berkeley DB" in stale[0].reason
    owned = owned_files(view)
    assert "/usr/share/gems/specifications/owned-1.0.gemspec" in owned
    assert "/usr/share/caulk-hello/file-number-1.txt" in owned
