"""Package lists against the tools that own the formats: `dpkg-query --admindir` on the rootfs
that umoci unpacked from the same image."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from caulk.catalog import Package, analyzers_for, build_inventory
from caulk.fs.view import build_view
from caulk.source import open_image


def _packages(ref: str) -> tuple[Package, ...]:
    with open_image(ref) as image:
        view = build_view(image, analyzers_for())
        return build_inventory(view, date(2026, 11, 29)).packages


@pytest.mark.images("bookworm", "bookworm-tools", "bullseye", "trixie")
@pytest.mark.parametrize("name", ["bookworm", "bookworm-tools", "bullseye", "trixie"])
def test_dpkg_packages_equal_dpkg_query(
    name: str, image_ref: Callable[..., str], image_rootfs: Callable[[str], Path]
) -> None:
    root = image_rootfs(name)
    out = subprocess.run(
        [
            "dpkg-query",
            f"--admindir={root}/var/lib/dpkg",
            "-W",
            "-f=${db:Status-Abbrev}\t${Package}\t${Version}\t${source:Package}\t${source:Version}\n",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    expected = set()
    sources = {}
    for line in out.splitlines():
        status, package, version, source, source_version = line.split("\t")
        if status.startswith("ii"):
            expected.add(("deb", package, version))
            sources[package] = (source, source_version)
    debs = [p for p in _packages(image_ref(name)) if p.type == "deb"]
    assert {(p.type, p.name, p.version) for p in debs} == expected
    assert len(debs) > 70
    for p in debs:
        assert (p.source_name, p.source_version) == sources[p.name], p.name
