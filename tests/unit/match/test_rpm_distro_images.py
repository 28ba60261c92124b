"""Whole scans of rpm root filesystems whose package databases the real rpm wrote: Amazon Linux
2023 (rpmdb.sqlite), Amazon Linux 2 (Berkeley DB `Packages`, written by db5.3_load from the
headers rpm made) and Rocky Linux 9 with a module stream, matched against the real ALAS and RLSA
fixtures. The packages carry the names and builds the advisories name (rpmbuild headers, no
files). Oracles: `rpm -qa` for what is installed, the advisories for what is fixed."""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from caulk.scan import ScanOptions, scan_image
from caulk.vulndb.store import SourceFile, SqliteStore, build_store, open_store
from tests.unit.catalog.test_rpm import rpm_qa, write_bdb
from tests.unit.match.corpora import FIXTURES
from tests.unit.vulndb.test_update import caulk

NEEDED = ("rpm", "rpmbuild", "db5.3_load")  # scripts/system-deps.sh installs them


def _spec(name: str, evr: str, module: str = "") -> str:
    epoch, _, rest = evr.rpartition(":")
    version, _, release = rest.partition("-")
    lines = [f"Name: {name}", f"Version: {version}", f"Release: {release}"]
    lines += [f"Epoch: {epoch}"] if epoch else []
    lines += [f"ModularityLabel: {module}"] if module else []
    lines += ["Summary: header only", "License: MIT", "BuildArch: noarch", "%description", "x"]
    return "\n".join([*lines, "%files", ""])


def _rootfs(
    work: Path, name: str, os_release: str, packages: list[tuple[str, str, str]], bdb: bool
) -> Path:
    top = work / f"{name}-build"
    for pkg, evr, module in packages:
        spec = top / f"{pkg}.spec"
        spec.parent.mkdir(parents=True, exist_ok=True)
        spec.write_text(_spec(pkg, evr, module))
        subprocess.run(
            ["rpmbuild", "-bb", "--quiet", "--define", f"_topdir {top}", str(spec)],
            check=True,
            capture_output=True,
        )
    rpms = sorted(str(p) for p in (top / "RPMS").rglob("*.rpm"))
    db = work / f"{name}-db"
    db.mkdir()
    subprocess.run(["rpm", "--initdb", "--dbpath", str(db)], check=True)
    subprocess.run(
        ["rpm", "-i", "--justdb", "--nodeps", "--noscripts", "--dbpath", str(db), *rpms],
        check=True,
        capture_output=True,
    )
    root = work / name
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "os-release").write_text(os_release)
    rpmdir = root / "var" / "lib" / "rpm"
    rpmdir.mkdir(parents=True)
    if bdb:
        conn = sqlite3.connect(db / "rpmdb.sqlite")
        blobs = tuple(bytes(b) for (b,) in conn.execute("SELECT blob FROM Packages ORDER BY hnum"))
        conn.close()
        write_bdb(rpmdir / "Packages", blobs, "hash", 4096)
        assert rpm_qa(rpmdir, "bdb_ro") == rpm_qa(db)  # rpm reads what the image holds
    else:
        shutil.copy(db / "rpmdb.sqlite", rpmdir / "rpmdb.sqlite")
    return root


@pytest.fixture(scope="module")
def roots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    assert not missing, f"install {missing} (scripts/system-deps.sh)"  # fail, never skip
    work = tmp_path_factory.mktemp("rpmroots")
    yield {
        "al2023": _rootfs(
            work,
            "al2023",
            'NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"\n',
            [
                ("rsyslog", "8.2204.0-3.amzn2023.0.1", ""),
                ("rsyslog-openssl", "8.2204.0-3.amzn2023.0.2", ""),
            ],
            bdb=False,
        ),
        "al2": _rootfs(
            work,
            "al2",
            'NAME="Amazon Linux"\nVERSION="2"\nID="amzn"\nVERSION_ID="2"\n',
            [
                ("java-1.8.0-openjdk-headless", "1:1.8.0.151-1.b12.amzn2", ""),
                ("qemu-img", "10:1.5.3-141.amzn2.5.3", ""),
            ],
            bdb=True,
        ),
        "rocky9": _rootfs(
            work,
            "rocky9",
            'NAME="Rocky Linux"\nVERSION="9.4 (Blue Onyx)"\nID="rocky"\nVERSION_ID="9.4"\n',
            [
                (
                    "ruby",
                    "3.3.0-1.module+el9.4.0+20001+aaaaaaaa",
                    "ruby:3.3:9040020240517:9edba152",
                ),
                ("rubygem-mysql2", "0.5.3-1.el9", ""),  # not modular: the ruby:3.3 build is not it
            ],
            bdb=False,
        ),
    }


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> SqliteStore:
    db = tmp_path_factory.mktemp("db") / "v.sqlite"
    distros = FIXTURES / "advisories-distros"
    build_store(db, [SourceFile(str(distros), distros)])
    return open_store(db)


def _scan(root: Path, store: SqliteStore) -> dict[tuple[str, str], str | None]:
    options = ScanOptions(hygiene=False, store=store, workers=1)
    result = scan_image(f"dir:{root}", options)
    return {(v.package_name, v.id): v.fixed_version for v in result.vulnerabilities}


def test_amazon_linux_2023_image(roots: dict[str, Path], store: SqliteStore) -> None:
    assert _scan(roots["al2023"], store) == {
        ("rsyslog", "CVE-2014-3634"): "0:8.2204.0-3.amzn2023.0.2",
        ("rsyslog", "CVE-2022-24903"): "0:8.2204.0-3.amzn2023.0.2",
    }  # rsyslog-openssl is at the fixed build


def test_amazon_linux_2_image_with_a_berkeley_db(
    roots: dict[str, Path], store: SqliteStore
) -> None:
    found = _scan(roots["al2"], store)
    assert {pkg for pkg, _ in found} == {"java-1.8.0-openjdk-headless"}  # qemu-img is fixed
    assert len(found) == 15 and set(found.values()) == {"1:1.8.0.161-0.b14.amzn2"}


def test_rocky_9_image_with_a_module_stream(roots: dict[str, Path], store: SqliteStore) -> None:
    assert _scan(roots["rocky9"], store) == {
        ("ruby", "CVE-2024-27280"): "0:3.3.1-2.module+el9.4.0+20787+4c237fd3",
        ("ruby", "CVE-2024-27281"): "0:3.3.1-2.module+el9.4.0+20787+4c237fd3",
        ("ruby", "CVE-2024-27282"): "0:3.3.1-2.module+el9.4.0+20787+4c237fd3",
    }


def test_cli_import_updateinfo_scan_and_ignore_one_cve(
    roots: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The user's path: import a repository's updateinfo.xml.gz, scan the image, silence one CVE
    of the two ALAS2023-2023-001 fixes; the other still fails the gate."""
    monkeypatch.setenv("CAULK_CACHE_DIR", str(tmp_path / "cache"))
    db = tmp_path / "v.sqlite"
    updateinfo = tmp_path / "updateinfo.xml.gz"
    amazon = FIXTURES / "advisories-distros" / "amazon"
    updateinfo.write_bytes(gzip.compress((amazon / "al2023-updateinfo.xml").read_bytes()))
    code, out, err = caulk(capsys, "db", "--db", str(db), "import", str(updateinfo))
    assert code == 0 and f"imported 1 records from {updateinfo}" in out, err
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text(
        "vulnerabilities:\n  - id: CVE-2022-24903\n    reason: rsyslog listens on no TCP port\n"
    )
    args = ["scan", "--scanners", "vuln", "--db", str(db), "-f", "json", "--fail-on", "high"]
    code, out, err = caulk(capsys, *args, "--ignore-file", str(ignore), f"dir:{roots['al2023']}")
    assert code == 1, err  # CVE-2014-3634 (IMPORTANT per ALAS) still fails the gate
    doc = json.loads(out)
    assert doc["distro"]["id"] == "amzn"
    state = {v["id"]: v.get("ignored") for v in doc["vulnerabilities"]}
    assert set(state) == {"CVE-2014-3634", "CVE-2022-24903"}
    assert state["CVE-2022-24903"] and not state["CVE-2014-3634"]
