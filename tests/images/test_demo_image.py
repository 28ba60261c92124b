"""The bundled demo image (examples/demo-image, scanned by `make demo`) is small, valid and real."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

DEMO = REPO / "examples" / "demo-image"


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    bundle = tmp_path_factory.mktemp("demo") / "bundle"
    subprocess.run(
        ["umoci", "unpack", "--image", f"{DEMO}:latest", bundle], check=True, capture_output=True
    )
    yield bundle / "rootfs"


def test_small_and_complete() -> None:
    files = [p for p in DEMO.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 3_000_000
    index = json.loads((DEMO / "index.json").read_text())
    referenced = {index["manifests"][0]["digest"]}
    manifest = json.loads((DEMO / "blobs/sha256" / next(iter(referenced))[7:]).read_text())
    referenced |= {manifest["config"]["digest"], *(layer["digest"] for layer in manifest["layers"])}
    on_disk = {"sha256:" + p.name for p in (DEMO / "blobs/sha256").iterdir()}
    assert on_disk == referenced, "no missing and no stray blobs"


def test_skopeo_reads_it() -> None:
    out = subprocess.run(
        ["skopeo", "--insecure-policy", "inspect", "--config", f"oci:{DEMO}:latest"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    config = json.loads(out)
    assert not config["config"].get("User"), "runs as root"
    assert any(e.startswith("API_TOKEN=") for e in config["config"]["Env"])
    assert len(config["rootfs"]["diff_ids"]) == 3


def test_packages_are_real(rootfs: Path) -> None:
    out = subprocess.run(
        ["dpkg-query", f"--admindir={rootfs}/var/lib/dpkg", "-W", "-f", "${Package} ${Status}\n"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert sorted(out.splitlines()) == [
        f"{p} install ok installed" for p in ("base-files", "busybox-static", "passwd")
    ]
    assert "/usr/bin/passwd" in (rootfs / "var/lib/dpkg/info/passwd.list").read_text()
    site = rootfs / "usr/local/lib/python3.11/site-packages"
    for dist, version in (("requests", "2.19.0"), ("urllib3", "1.24.1"), ("pyyaml", "5.1")):
        metadata = (site / f"{dist}-{version}.dist-info/METADATA").read_text()
        assert f"\nVersion: {version}\n" in metadata
    for name, version in (("lodash", "4.17.4"), ("minimist", "0.0.8")):
        package = json.loads((rootfs / f"app/node_modules/{name}/package.json").read_text())
        assert package["version"] == version


def test_setuid_and_shells(rootfs: Path) -> None:
    found = subprocess.run(
        ["find", rootfs, "-perm", "/6000", "-type", "f"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert {"/" + str(Path(p).relative_to(rootfs)) for p in found} == {
        "/usr/bin/chage",
        "/usr/bin/chfn",
        "/usr/bin/chsh",
        "/usr/bin/expiry",
        "/usr/bin/gpasswd",
        "/usr/bin/passwd",
    }
    assert (rootfs / "bin/sh").readlink() == Path("/bin/busybox")
    assert (rootfs / "usr/bin/wget").readlink() == Path("/bin/busybox")
