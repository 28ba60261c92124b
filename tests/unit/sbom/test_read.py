"""`read_sbom` on syft- and trivy-shaped CycloneDX and SPDX files (hand-written in their shape)."""

from __future__ import annotations

from pathlib import Path

import pytest

from caulk.catalog.interface import Distro, Inventory, Package
from caulk.model import Target
from caulk.sbom import read_sbom

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sbom"


def read(name: str) -> tuple[Inventory, Target]:
    return read_sbom(FIXTURES / name)


def by_name(inventory: Inventory) -> dict[str, Package]:
    return {p.name: p for p in inventory.packages}


def test_syft_cyclonedx() -> None:
    inventory, target = read("syft-bookworm.cdx.json")
    assert inventory.distro == Distro("debian", "12", "bookworm", "Debian GNU/Linux 12 (bookworm)")
    packages = by_name(inventory)
    bsdutils = packages["bsdutils"]
    # upstream=util-linux@2.38.1-5: the source package and version the Debian advisories name
    assert (bsdutils.ecosystem, bsdutils.version) == ("Debian:12", "1:2.38.1-5+b1")
    assert (bsdutils.source_name, bsdutils.source_version) == ("util-linux", "2.38.1-5")
    assert [loc.path for loc in bsdutils.locations] == [
        "/var/lib/dpkg/status",
        "/usr/share/doc/bsdutils/copyright",
    ]
    assert (bsdutils.locations[0].layer_digest or "").startswith("sha256:2ac4c3f1")
    assert bsdutils.found_by == "dpkg-db-cataloger"
    assert bsdutils.licenses == ("BSD-2-Clause", "GPL-2.0-or-later")
    # upstream=glibc without a version: the binary version is the source version
    assert (packages["libc6"].source_name, packages["libc6"].source_version) == (
        "glibc",
        "2.36-9+deb12u4",
    )
    assert packages["tzdata"].source_name == "tzdata"
    assert (packages["PyYAML"].ecosystem, packages["PyYAML"].purl) == (
        "PyPI",
        "pkg:pypi/pyyaml@5.1",
    )
    assert packages["@types/node"].ecosystem == "npm"
    assert packages["golang.org/x/net"].ecosystem == "Go"
    assert packages["org.apache.logging.log4j:log4j-core"].ecosystem == "Maven"
    # pkg:github is not a package caulk can match: reported, not dropped
    (unknown,) = inventory.unknowns
    assert unknown.location.field == "components[7]" and "'github'" in unknown.reason
    assert target.transport == "sbom" and target.reference.startswith("sbom:")
    assert (
        target.digest == "sha256:1b7c7d1a2cb8d2f2c0a7b0d2ff3d8e1f6b7c9a8e0d1f2a3b4c5d6e7f8a9b0c1d"
    )


def test_trivy_cyclonedx() -> None:
    inventory, target = read("trivy-alpine.cdx.json")
    assert inventory.distro is not None and inventory.distro.ecosystem == "Alpine:v3.18"
    packages = by_name(inventory)
    # distro=3.18.4 (trivy: no "alpine-" prefix), origin from SrcName
    musl_utils = packages["musl-utils"]
    assert (musl_utils.ecosystem, musl_utils.source_name) == ("Alpine:v3.18", "musl")
    assert musl_utils.licenses == ("MIT AND BSD-2-Clause AND GPL-2.0-or-later",)
    # LayerDiffID → layer index from the image's DiffID list
    assert musl_utils.locations[0].layer == 0
    # nested under trivy's per-directory "application" component; FilePath is root-relative
    urllib3 = packages["urllib3"]
    assert urllib3.locations[0].path == (
        "/usr/lib/python3.11/site-packages/urllib3-1.24.1.dist-info/METADATA"
    )
    assert packages["rand"].ecosystem == "crates.io"
    assert packages["rand"].locations[0].path == "/usr/local/bin/tool"  # evidence.occurrences
    (unknown,) = inventory.unknowns
    assert "vendored-thing" in unknown.reason and "no purl" in unknown.reason
    assert target.manifest_digest == (
        "sha256:48d9183eb12a05c99bcc0bf44a003607b8e941e1d4f41f9ad12bdcc4b5672f86"
    )
    assert target.config_digest == (
        "sha256:8ca4688f4f356596b5ae539337c9941abc78eda10021d35cbc52659c74d9b443"
    )
    assert (target.tag, target.architecture, target.layer_count) == ("3.18.4", "amd64", 1)


def test_syft_spdx_takes_the_distro_from_purl_qualifiers() -> None:
    inventory, target = read("syft-bookworm.spdx.json")
    assert inventory.distro == Distro("debian", "12")
    packages = by_name(inventory)
    assert packages["libssl3"].ecosystem == "Debian:12"
    assert packages["libssl3"].source_name == "openssl"
    assert packages["bsdutils"].source_version == "2.38.1-5"
    assert packages["Django"].purl == "pkg:pypi/django@3.2"
    assert (packages["Django"].locations[0].path or "").endswith("Django-3.2.dist-info/METADATA")
    assert packages["rack"].ecosystem == "RubyGems"
    assert packages["minimist"].locations[0].path == (
        "/app/node_modules/mkdirp/node_modules/minimist/package.json"
    )
    assert len(inventory.packages) == 5 and inventory.unknowns == ()
    assert (target.tag, target.architecture) == ("1.0", "amd64")


def test_trivy_spdx_rpm() -> None:
    inventory, target = read("trivy-ubi.spdx.json")
    assert inventory.distro == Distro("rhel", "9.3")
    packages = by_name(inventory)
    openssl = packages["openssl-libs"]
    assert openssl.version == "1:3.0.7-25.el9_3"  # epoch qualifier joined to the version
    assert (openssl.source_name, openssl.source_version) == ("openssl", "1:3.0.7-25.el9_3")
    assert openssl.ecosystem == "Red Hat:9"
    assert openssl.locations[0].layer == 0
    assert packages["bash"].locations[0].layer_digest is not None  # from attributionTexts
    assert packages["System.Text.Json"].ecosystem == "NuGet"
    assert packages["System.Text.Json"].locations[0].path == "/app/app.deps.json"
    assert "app/app.deps.json" not in packages  # trivy's grouping package is not a package
    (unknown,) = inventory.unknowns
    assert "'swift'" in unknown.reason and unknown.location.field == "packages[6]"
    assert target.config_digest.startswith("sha256:5d8e9f0a")
    assert target.tag == "9.3"


@pytest.mark.parametrize(
    "name",
    [
        "syft-bookworm.cdx.json",
        "trivy-alpine.cdx.json",
        "syft-bookworm.spdx.json",
        "trivy-ubi.spdx.json",
    ],
)
def test_every_fixture_package_has_a_location_and_a_known_ecosystem(name: str) -> None:
    inventory, _ = read(name)
    assert inventory.packages
    for package in inventory.packages:
        assert package.locations and package.ecosystem and package.purl.startswith("pkg:")
