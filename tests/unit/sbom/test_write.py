"""The writers: schema-valid CycloneDX 1.6 and SPDX 2.3, deterministic, one component per copy."""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from caulk.errors import OperationalError
from caulk.sbom import write_cyclonedx, write_spdx
from tests.unit.sbom.sample import APP, BASE, sample_result


def cyclonedx_errors(data: bytes) -> object:
    return JsonStrictValidator(SchemaVersion.V1_6).validate_str(data.decode())


def spdx_errors(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "out.spdx.json"
    path.write_bytes(data)
    document = parse_file(str(path))  # spdx-tools' own JSON parser, then its validator
    return [m.validation_message for m in validate_full_spdx_document(document)]


def test_cyclonedx_validates_against_the_1_6_schema() -> None:
    out = write_cyclonedx(sample_result())
    assert cyclonedx_errors(out) is None
    doc = json.loads(out)
    assert doc["specVersion"] == "1.6"
    assert doc["metadata"]["timestamp"].startswith("2026-01-01T00:00:00")


def test_cyclonedx_schema_rejects_a_broken_document() -> None:
    """The validator is live: the same output with a bad component type fails."""
    doc = json.loads(write_cyclonedx(sample_result()))
    doc["components"][0]["type"] = "banana"
    assert cyclonedx_errors(json.dumps(doc).encode()) is not None


def test_cyclonedx_image_os_and_packages() -> None:
    doc = json.loads(write_cyclonedx(sample_result()))
    image = doc["metadata"]["component"]
    assert image["type"] == "container"
    assert image["name"] == "oci:/images/demo-app:1.0"
    assert image["version"] == "sha256:" + "a" * 64
    assert image["purl"] == f"pkg:oci/demo-app@sha256:{'a' * 64}?arch=amd64&tag=1.0"
    (os_,) = [c for c in doc["components"] if c["type"] == "operating-system"]
    assert (os_["name"], os_["version"]) == ("debian", "12")
    libraries = [c for c in doc["components"] if c["type"] == "library"]
    assert len(libraries) == 8
    assert len({c["bom-ref"] for c in libraries}) == 8  # two minimist copies, two refs
    bsdutils = next(c for c in libraries if c["name"] == "bsdutils")
    props = {p["name"]: p["value"] for p in bsdutils["properties"]}
    assert props == {
        "syft:package:foundBy": "dpkg",
        "syft:location:0:path": "/var/lib/dpkg/status",
        "syft:location:0:layerID": BASE,
        "caulk:location:0:layer": "0",
        "caulk:source-package": "util-linux",
        "caulk:source-version": "2.38.1-5",
    }
    pyyaml = next(c for c in libraries if c["name"] == "PyYAML")
    assert pyyaml["purl"] == "pkg:pypi/pyyaml@5.1"
    assert {"name": "syft:location:0:layerID", "value": APP} in pyyaml["properties"]
    image_deps = next(d for d in doc["dependencies"] if d["ref"] == image["bom-ref"])
    assert os_["bom-ref"] in image_deps["dependsOn"]


def test_cyclonedx_is_deterministic() -> None:
    result = sample_result()
    assert write_cyclonedx(result) == write_cyclonedx(result)
    serial = uuid.UUID("12345678-1234-4234-8234-123456789abc")
    assert (
        json.loads(write_cyclonedx(result, serial=serial))["serialNumber"] == f"urn:uuid:{serial}"
    )
    later = dataclasses.replace(result, scanned_at="2026-01-02T00:00:00Z")
    first, second = json.loads(write_cyclonedx(result)), json.loads(write_cyclonedx(later))
    assert first["serialNumber"] != second["serialNumber"]
    for doc in (first, second):
        doc.pop("serialNumber"), doc["metadata"].pop("timestamp")
    assert first == second


def test_spdx_validates_with_spdx_tools(tmp_path: Path) -> None:
    out = write_spdx(sample_result())
    assert spdx_errors(out, tmp_path) == []
    doc = json.loads(out)
    assert doc["spdxVersion"] == "SPDX-2.3"
    assert doc["creationInfo"]["created"] == "2026-01-01T00:00:00Z"


def test_spdx_validator_is_live(tmp_path: Path) -> None:
    doc = json.loads(write_spdx(sample_result()))
    doc["relationships"] = [r for r in doc["relationships"] if r["relationshipType"] != "DESCRIBES"]
    assert any("DESCRIBES" in m for m in spdx_errors(json.dumps(doc).encode(), tmp_path))


def test_spdx_packages_and_relationships() -> None:
    doc = json.loads(write_spdx(sample_result()))
    by_id = {p["SPDXID"]: p for p in doc["packages"]}
    (root,) = [
        r["relatedSpdxElement"]
        for r in doc["relationships"]
        if r["relationshipType"] == "DESCRIBES"
    ]
    assert by_id[root]["primaryPackagePurpose"] == "CONTAINER"
    contained = {
        r["relatedSpdxElement"]
        for r in doc["relationships"]
        if r["relationshipType"] == "CONTAINS" and r["spdxElementId"] == root
    }
    assert contained == set(by_id) - {root}
    libraries = [p for p in doc["packages"] if p["primaryPackagePurpose"] == "LIBRARY"]
    assert len(libraries) == 8
    for package in libraries:
        (ref,) = package["externalRefs"]
        assert ref["referenceCategory"] in {"PACKAGE-MANAGER", "PACKAGE_MANAGER"}
        assert ref["referenceType"] == "purl" and ref["referenceLocator"].startswith("pkg:")
    assert write_spdx(sample_result()) == write_spdx(sample_result())


@pytest.mark.parametrize("writer", [write_cyclonedx, write_spdx])
def test_no_inventory_is_an_error_not_an_empty_sbom(writer: object) -> None:
    with pytest.raises(OperationalError, match="did not catalogue packages"):
        writer(sample_result(packages=False))  # type: ignore[operator]


def test_empty_inventory_is_a_valid_empty_sbom(tmp_path: Path) -> None:
    result = dataclasses.replace(sample_result(), packages=(), distro=None)
    assert cyclonedx_errors(write_cyclonedx(result)) is None
    assert spdx_errors(write_spdx(result), tmp_path) == []
