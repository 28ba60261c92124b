"""The CycloneDX VEX renderer: schema-valid, affects point at the SBOM's components."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from caulk.model import Location
from caulk.report import FORMATS, render
from caulk.sbom import write_cyclonedx
from tests.unit.sbom.sample import sample_result, sample_vulnerabilities


def vex() -> tuple[bytes, dict[str, Any]]:
    result = sample_result()
    out = render(
        dataclasses.replace(result, vulnerabilities=sample_vulnerabilities(result)), "cyclonedx-vex"
    )
    return out, json.loads(out)


def by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["id"]: v for v in doc["vulnerabilities"]}


def test_registered_and_schema_valid() -> None:
    assert "cyclonedx-vex" in FORMATS
    out, doc = vex()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(out.decode()) is None
    assert len(doc["vulnerabilities"]) == 3


def test_affects_the_sbom_component_of_the_right_copy() -> None:
    _, doc = vex()
    sbom = json.loads(write_cyclonedx(sample_result()))
    refs = {c["bom-ref"] for c in sbom["components"]}
    assert {c["bom-ref"] for c in doc["components"]} == refs  # no invented components
    vulns = by_id(doc)
    for vuln in vulns.values():
        (target,) = vuln["affects"]
        assert target["ref"] in refs
    nested = next(
        c
        for c in sbom["components"]
        if any(
            p["value"].endswith("mkdirp/node_modules/minimist/package.json")
            for p in c.get("properties", [])
        )
    )
    assert vulns["CVE-2021-44906"]["affects"][0]["ref"] == nested["bom-ref"]


def test_active_finding() -> None:
    _, doc = vex()
    vuln = by_id(doc)["CVE-2024-28085"]
    assert vuln["source"]["name"] == "NVD"
    assert vuln["references"] == [
        {
            "id": "DLA-3782-1",
            "source": {
                "name": "Debian",
                "url": "https://security-tracker.debian.org/tracker/DLA-3782-1",
            },
        }
    ]
    props = {p["name"]: p["value"] for p in vuln["properties"]}
    assert props["caulk:severity-source"] == "nvd"
    assert props["caulk:cvss-source"] == "nvd" and props["caulk:cvss-score"] == "7.8"
    assert props["caulk:epss"] == "0.00043"
    (rating,) = vuln["ratings"]  # the CVSS decided: no separate label rating
    assert rating == {
        "method": "CVSSv31",
        "score": 7.8,
        "severity": "high",
        "vector": "AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
    }
    assert vuln["analysis"]["state"] == "exploitable"
    assert vuln["analysis"]["response"] == ["update"]
    assert vuln["recommendation"] == "Upgrade bsdutils to 2.38.1-5+deb12u1 or later."
    assert vuln["affects"][0]["versions"] == [{"version": "1:2.38.1-5+b1", "status": "affected"}]


def test_ignored_and_vex_fixed() -> None:
    _, doc = vex()
    ignored = by_id(doc)["CVE-2021-44906"]
    assert ignored["analysis"] == {
        "state": "not_affected",
        "detail": "ignore file: build-time only",
    }
    assert ignored["ratings"][0] == {
        "justification": "severity from ghsa",
        "method": "other",
        "severity": "critical",
        "source": {"name": "ghsa"},
    }
    kev = {p["name"]: p["value"] for p in ignored["properties"]}["caulk:kev-date-added"]
    assert kev == "2026-06-02"
    assert ignored["affects"][0]["versions"][0]["status"] == "unaffected"
    fixed = by_id(doc)["CVE-2020-1747"]
    assert fixed["analysis"]["state"] == "resolved"
    assert fixed["analysis"]["detail"] == "VEX fixed: rebuilt with the patched wheel"
    assert {r["id"] for r in fixed["references"]} == {"GHSA-6757-jp84-gxfx", "PYSEC-2020-96"}
    assert fixed["ratings"] == [
        {
            "justification": "no rating from any source",
            "method": "other",
            "severity": "unknown",
        }
    ]


def test_openvex_justification_is_mapped() -> None:
    result = sample_result()
    vulns = sample_vulnerabilities(result)
    why = "VEX not_affected: vulnerable_code_not_in_execute_path"
    result = dataclasses.replace(
        result, vulnerabilities=(dataclasses.replace(vulns[0], ignored=why),)
    )
    analysis = json.loads(render(result, "cyclonedx-vex"))["vulnerabilities"][0]["analysis"]
    assert analysis["justification"] == "code_not_reachable"


def test_vulnerability_without_inventory_entry_gets_a_component() -> None:
    result = sample_result()
    vuln = dataclasses.replace(
        sample_vulnerabilities(result)[0], location=Location(path="/opt/other/status")
    )
    out = render(
        dataclasses.replace(result, packages=None, vulnerabilities=(vuln,)), "cyclonedx-vex"
    )
    doc = json.loads(out)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(out.decode()) is None
    (component,) = [c for c in doc["components"] if c["type"] == "library"]
    assert doc["vulnerabilities"][0]["affects"][0]["ref"] == component["bom-ref"]
    assert (
        render(dataclasses.replace(result, packages=None, vulnerabilities=(vuln,)), "cyclonedx-vex")
        == out
    )  # deterministic
