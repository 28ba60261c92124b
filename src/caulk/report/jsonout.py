"""JSON report, schema `caulk.scan/v1` (documented in docs/json-output.md).

Keys are camelCase, lists are sorted deterministically, absent values are omitted rather than null,
so two scans of the same image differ only in `scannedAt`.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections import Counter
from typing import Any

from caulk.catalog.interface import Package
from caulk.match.interface import Vulnerability
from caulk.model import Finding, Location, ScanResult, Severity, Unknown
from caulk.report.coverage import (
    advisory_data_document,
    coverage_document,
    coverage_summary,
    unrated_count,
)

__all__ = ["SCHEMA_VERSION", "render_json", "to_document"]

SCHEMA_VERSION = "caulk.scan/v1"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _plain(value: Any) -> Any:
    """Dataclasses → dicts with camelCase keys, enums → names, tuples → lists; None dropped."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            item = _plain(getattr(value, f.name))
            if item is not None:
                out[_camel(f.name)] = item
        return out
    if isinstance(value, Severity):
        return value.name
    if isinstance(value, float) and not math.isfinite(value):
        return None  # dive's user-wasted ratio is NaN/Inf when upper layers add nothing
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _location(loc: Location) -> dict[str, Any]:
    doc: dict[str, Any] = _plain(loc)
    return doc


def _finding(f: Finding) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "ruleId": f.rule_id,
        "severity": f.severity.name,
        "title": f.title,
        "message": f.message,
        "location": _location(f.location),
    }
    if f.remediation:
        doc["remediation"] = f.remediation
    if f.docs_url:
        doc["docsUrl"] = f.docs_url
    if f.details:
        doc["details"] = dict(f.details)
    return doc


def _unknown(u: Unknown) -> dict[str, Any]:
    return {"location": _location(u.location), "reason": u.reason}


def summary(result: ScanResult) -> dict[str, int]:
    counts = Counter(f.severity for f in result.findings)
    return {sev.name: counts.get(sev, 0) for sev in sorted(Severity, reverse=True)}


def vulnerability_summary(result: ScanResult) -> dict[str, int]:
    counts = Counter(v.severity for v in result.vulnerabilities if v.ignored is None)
    return {sev.name: counts.get(sev, 0) for sev in sorted(Severity, reverse=True)}


def _package(p: Package) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": p.name,
        "version": p.version,
        "type": p.type,
        "ecosystem": p.ecosystem,
        "purl": p.purl,
        "locations": [_location(loc) for loc in p.locations],
    }
    if p.source_name and (p.source_name, p.source_version) != (p.name, p.version):
        doc["sourceName"] = p.source_name
        doc["sourceVersion"] = p.source_version
    if p.found_by:
        doc["foundBy"] = p.found_by
    return doc


def _vulnerability(v: Vulnerability) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": v.id,
        "aliases": list(v.aliases),
        "severity": v.severity.name,
        "severitySource": v.severity_source,
        "knownExploited": v.kev is not None,
        "package": {"name": v.package_name, "version": v.package_version, "purl": v.purl},
        "ecosystem": v.ecosystem,
        "fixState": v.fix_state,
        "location": _location(v.location),
        "advisories": list(v.advisories),
    }
    if v.source_package:
        doc["package"]["sourceName"] = v.source_package
    if v.fixed_version:
        doc["fixedVersion"] = v.fixed_version
    if v.cvss_score is not None:
        doc["cvssScore"] = v.cvss_score
        doc["cvssVector"] = v.cvss_vector
        doc["cvssSource"] = v.cvss_source
    if v.kev:
        doc["kevDateAdded"] = v.kev
    if v.epss is not None:
        doc["epss"] = {"score": v.epss, "percentile": v.epss_percentile}
    if v.ssvc:
        doc["ssvc"] = v.ssvc
    if v.cvss:
        doc["cvss"] = [{"type": t, "vector": vec, "score": score} for t, vec, score in v.cvss]
    if v.title:
        doc["title"] = v.title
    if v.references:
        doc["references"] = list(v.references)
    if v.ignored:
        doc["ignored"] = v.ignored
    return doc


def to_document(result: ScanResult) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schemaVersion": SCHEMA_VERSION,
        "caulkVersion": result.caulk_version,
        "scannedAt": result.scanned_at,
        "target": _plain(result.target),
        "summary": {
            "findings": summary(result),
            "vulnerabilities": vulnerability_summary(result),
            "ignoredVulnerabilities": sum(1 for v in result.vulnerabilities if v.ignored),
            "packages": len(result.packages) if result.packages is not None else None,
            "unknowns": len(result.unknowns),
        },
        "notices": list(result.notices),
        "findings": [_finding(f) for f in result.findings],
        "vulnerabilities": [_vulnerability(v) for v in result.vulnerabilities],
        "unknowns": [_unknown(u) for u in result.unknowns],
    }
    if doc["summary"]["packages"] is None:
        del doc["summary"]["packages"]
    doc["summary"]["unratedVulnerabilities"] = unrated_count(result)
    if result.coverage is not None:
        doc["summary"]["coverage"] = coverage_summary(result.coverage)
        doc["coverage"] = coverage_document(result.coverage)
    if result.advisory_data:
        doc["advisoryData"] = advisory_data_document(result.advisory_data)
    if result.distro is not None:
        doc["distro"] = _plain(result.distro)
    if result.packages is not None:
        doc["packages"] = [_package(p) for p in result.packages]
    if result.efficiency is not None:
        doc["efficiency"] = _plain(result.efficiency)
    return doc


def render_json(result: ScanResult, color: bool = False) -> bytes:
    del color
    text = json.dumps(to_document(result), indent=2, ensure_ascii=False) + "\n"
    # paths not in UTF-8 hold surrogates (surrogateescape): write them as JSON \udcXX escapes
    return text.encode("utf-8", "backslashreplace")
