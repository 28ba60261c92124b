"""Catalog parsers on real package metadata and on broken input (never a crash, a ValueError)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from caulk.catalog import ALL_CATALOGERS, analyzers_for, build_inventory
from caulk.catalog.apk import parse_installed
from caulk.catalog.dpkg import parse_status
from caulk.catalog.npm import parse_lockfile, parse_package_json, parse_project_json
from caulk.catalog.python import normalize_name, parse_metadata
from caulk.fs.view import build_view, view_from_layers
from caulk.source import open_image
from tests.support import synth
from tests.unit.fs.helpers import index

FIXTURES = Path(__file__).parents[2] / "fixtures" / "catalog"


def test_dpkg_status_source_package_and_version() -> None:
    records = {r.package: r for r in parse_status((FIXTURES / "dpkg-status-bookworm").read_bytes())}
    bsdutils = records["bsdutils"]
    assert bsdutils.version == "1:2.38.1-5+deb12u3"
    assert (bsdutils.source, bsdutils.source_version) == ("util-linux", "2.38.1-5+deb12u3")
    assert records["libc6"].source == "glibc"
    assert records["coreutils"].source is None  # binary name == source name: no Source field
    assert all(r.installed for r in records.values())


def test_dpkg_status_not_installed_and_garbage() -> None:
    text = b"Package: a\nStatus: deinstall ok config-files\nVersion: 1.0\n\n"
    assert not parse_status(text)[0].installed
    with pytest.raises(ValueError, match="without Package/Version"):
        parse_status(b"Package: a\nStatus: install ok installed\n")
    with pytest.raises(ValueError, match="binary"):
        parse_status(b"\x7fELF\x00\x00\x01")


def test_python_metadata_real_and_normalised() -> None:
    name, version = parse_metadata("x", (FIXTURES / "PyYAML-6.0.METADATA").read_bytes())
    assert (name, version) == ("PyYAML", "6.0")
    assert normalize_name("PyYAML") == "pyyaml"
    assert normalize_name("oslo.utils") == "oslo-utils"
    assert normalize_name("Foo__Bar-.baz") == "foo-bar-baz"
    with pytest.raises(ValueError, match="without Version"):
        parse_metadata("x", b"Metadata-Version: 2.1\nName: django\n\n")


def test_apk_installed_with_origin() -> None:
    db = (
        b"C:Q1abc=\nP:musl-utils\nV:1.1.24-r2\nA:x86_64\no:musl\nF:usr/bin\nR:ldd\n\n"
        b"P:busybox\nV:1.31.1-r9\nA:x86_64\n"
    )
    first, second = parse_installed("db", db)
    assert (first.name, first.version, first.origin) == ("musl-utils", "1.1.24-r2", "musl")
    assert first.files == ("/usr/bin/ldd",)
    assert second.origin is None
    with pytest.raises(ValueError, match="malformed"):
        parse_installed("db", b"this is not an apk database\n")


def test_npm_package_json_and_lockfiles() -> None:
    assert parse_package_json("p", b'{"name": "lodash", "version": "4.17.4"}') == (
        "lodash",
        "4.17.4",
    )
    with pytest.raises(ValueError):
        parse_package_json("p", b'{"name": "x"}')
    with pytest.raises(ValueError, match="JSON"):
        parse_package_json("p", b"\xff\xfe{")
    v3 = b"""{"lockfileVersion": 3, "packages": {"": {"name": "app"},
      "node_modules/minimist": {"version": "0.0.8"},
      "node_modules/a/node_modules/minimist": {"version": "1.2.0"},
      "node_modules/@types/node": {"version": "20.1.0"}}}"""
    assert parse_lockfile("l", v3) == (
        ("node_modules/minimist", "minimist", "0.0.8"),
        ("node_modules/a/node_modules/minimist", "minimist", "1.2.0"),
        ("node_modules/@types/node", "@types/node", "20.1.0"),
    )
    v1 = b"""{"lockfileVersion": 1, "dependencies": {"a": {"version": "1.0.0",
      "dependencies": {"minimist": {"version": "0.0.8"}}}}}"""
    assert parse_lockfile("l", v1) == (
        ("node_modules/a", "a", "1.0.0"),
        ("node_modules/a/node_modules/minimist", "minimist", "0.0.8"),
    )


def test_language_packages_owned_by_an_os_package_are_reported_once() -> None:
    metadata = b"Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0\n\n"
    site = "/usr/lib/python3/dist-packages"
    layer = synth.tar(
        [
            synth.file(
                "/var/lib/dpkg/status",
                b"Package: python3-yaml\nStatus: install ok "
                b"installed\nVersion: 6.0-3\nSource: pyyaml\nArchitecture: amd64\n\n",
            ),
            synth.file(
                "/var/lib/dpkg/info/python3-yaml.list",
                f"{site}/PyYAML-6.0.dist-info\n{site}/PyYAML-6.0.dist-info/METADATA\n".encode(),
            ),
            synth.file(f"{site}/PyYAML-6.0.dist-info/METADATA", metadata),
            synth.file(
                "/usr/local/lib/python3.11/site-packages/PyYAML-5.1.dist-info/METADATA",
                metadata.replace(b"6.0", b"5.1"),
            ),
        ]
    )
    view = view_from_layers([index(layer, 0, analyzers_for(ALL_CATALOGERS))])
    packages = build_inventory(view, date(2026, 1, 1)).packages
    assert sorted((p.type, p.name, p.version) for p in packages) == [
        ("deb", "python3-yaml", "6.0-3"),
        ("pypi", "PyYAML", "5.1"),  # pip-installed copy, not owned by dpkg
    ]


def test_npm_project_package_json_is_a_package_only_with_name_and_version(tmp_path: Path) -> None:
    pkg = b'{"name": "demo-app", "version": "1.2.3", "dependencies": {"left-pad": "1.3.0"}}'
    layer = synth.tar(
        [synth.dir("/app"), synth.file("/app/package.json", pkg),
         synth.dir("/srv"), synth.file("/srv/package.json", b'{"private": true}'),
         synth.dir("/app/node_modules"), synth.dir("/app/node_modules/left-pad"),
         synth.file("/app/node_modules/left-pad/package.json",
                    b'{"name": "left-pad", "version": "1.3.0"}')]
    )  # fmt: skip
    path = synth.oci_layout(tmp_path / "img", [layer], tag="1")
    with open_image(f"oci:{path}:1") as image:
        inventory = build_inventory(build_view(image, analyzers_for()), date(2026, 12, 3))
    npm = {(p.name, p.version, p.locations[0].path, p.purl) for p in inventory.packages}
    assert npm == {
        ("demo-app", "1.2.3", "/app/package.json", "pkg:npm/demo-app@1.2.3"),
        ("left-pad", "1.3.0", "/app/node_modules/left-pad/package.json", "pkg:npm/left-pad@1.3.0"),
    }
    assert not [u for u in inventory.unknowns if "package.json" in (u.location.path or "")]
    assert parse_project_json("p", b'{"private": true}') is None
