"""Broken SBOMs: one-line `InputError` naming the file; broken packages become unknowns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from caulk.errors import EXIT_BAD_INPUT, InputError
from caulk.sbom import read_sbom


def write(tmp_path: Path, content: Any, name: str = "bad.json") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def cdx(*components: Any) -> dict[str, Any]:
    return {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": list(components)}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "SBOM is not valid JSON: Expecting property name"),
        (b"\xff\xfe\x00{", "SBOM is not valid JSON"),
        # issue 9 item 19: deep nesting and huge integers are bad input, not internal errors
        ("[" * 5000 + "]" * 5000, "SBOM is nested more than 128 levels deep"),
        ('{"bomFormat": "CycloneDX", "version": ' + "9" * 5000 + "}", "more than 20 digits"),
        ([1, 2], "not a JSON object"),
        ({"hello": "world"}, "not a CycloneDX or SPDX JSON SBOM"),
        ({"spdxVersion": "SPDX-3.0"}, "unsupported SPDX version 'SPDX-3.0'"),
        ({"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}, "unsupported SPDX"),
        ({"bomFormat": "CycloneDX", "components": {"a": 1}}, "components is not a list"),
        (cdx("pkg:pypi/x@1"), "components[0] is not an object"),
        ({"bomFormat": "CycloneDX", "metadata": []}, "metadata is not an object"),
        (cdx({"name": "x", "properties": "nope"}), "components[0].properties is not a list"),
        ({"spdxVersion": "SPDX-2.3", "packages": ["x"]}, "packages[0] is not an object"),
        ({"spdxVersion": "SPDX-2.3", "packages": {}}, "packages is not a list"),
    ],
)
def test_malformed_documents(tmp_path: Path, content: Any, message: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(InputError) as caught:
        read_sbom(path)
    assert message in str(caught.value)
    assert caught.value.where == str(path)
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == EXIT_BAD_INPUT


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_sbom(tmp_path / "absent.json")
    with pytest.raises(InputError, match="cannot read"):
        read_sbom(tmp_path)


def test_broken_packages_are_unknowns_not_errors(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        cdx(
            {"type": "library", "name": "ok", "version": "1.0", "purl": "pkg:pypi/ok@1.0"},
            {"type": "library", "name": "bad", "purl": "not a purl"},
            {"type": "library", "name": "nover", "purl": "pkg:npm/nover"},
            {"type": "library", "name": "odd", "version": "1", "purl": "pkg:bitbucket/a/b@1"},
            {"type": "library", "name": "bare", "version": "2.0"},
            {"type": "application", "name": "some/lockfile"},
        ),
    )
    inventory, _ = read_sbom(path)
    assert [p.name for p in inventory.packages] == ["ok"]
    reasons = {u.location.field: u.reason for u in inventory.unknowns}
    assert set(reasons) == {"components[1]", "components[2]", "components[3]", "components[4]"}
    assert "invalid purl" in reasons["components[1]"]
    assert "no version" in reasons["components[2]"]
    assert "unsupported package type 'bitbucket'" in reasons["components[3]"]
    assert "no purl" in reasons["components[4]"]
    assert all(u.location.path == str(path) for u in inventory.unknowns)


def test_os_packages_without_a_release_are_reported(tmp_path: Path) -> None:
    """No OS component and no distro= qualifier: matched against the bare ecosystem, loudly."""
    path = write(
        tmp_path,
        cdx(
            {
                "type": "library",
                "name": "zlib",
                "version": "1.2.13-r0",
                "purl": "pkg:apk/alpine/zlib@1.2.13-r0?arch=x86_64",
            }
        ),
    )
    inventory, _ = read_sbom(path)
    (package,) = inventory.packages
    assert package.ecosystem == "Alpine" and package.source_name == "zlib"
    (unknown,) = inventory.unknowns
    assert "without a distro release" in unknown.reason and "'Alpine'" in unknown.reason


def test_several_operating_systems_are_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        cdx(
            {"type": "operating-system", "name": "debian", "version": "12"},
            {"type": "operating-system", "name": "alpine", "version": "3.18.4"},
        ),
    )
    inventory, _ = read_sbom(path)
    assert inventory.distro is not None and inventory.distro.id == "debian"
    assert "several operating systems" in inventory.unknowns[0].reason


def test_qualifier_beats_the_os_component(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        cdx(
            {"type": "operating-system", "name": "debian", "version": "12"},
            {
                "type": "library",
                "name": "libc6",
                "version": "2.31-13",
                "purl": "pkg:deb/debian/libc6@2.31-13?distro=debian-11",
            },
            {
                "type": "library",
                "name": "zlib1g",
                "version": "1:1.2.13",
                "purl": "pkg:deb/debian/zlib1g@1:1.2.13",
            },
        ),
    )
    inventory, _ = read_sbom(path)
    ecosystems = {p.name: p.ecosystem for p in inventory.packages}
    assert ecosystems == {"libc6": "Debian:11", "zlib1g": "Debian:12"}
