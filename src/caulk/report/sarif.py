"""SARIF 2.1.0, the one builder for `caulk scan -f sarif` and `caulk lint -f sarif`. One run, tool
`caulk`, one reportingDescriptor per rule that fired.

Image paths become artifact URIs relative to the image root (`usr/bin/su`) with the image reference
as `uriBaseId` description; Dockerfile findings keep their file path and region, and render the same
in both commands.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from caulk.check.rules import get_rule
from caulk.match.interface import Vulnerability
from caulk.model import Finding, ScanResult, Severity
from caulk.report.coverage import advisory_data_document, coverage_document, unrated_count

__all__ = ["render_findings_sarif", "render_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/caulk-dev/caulk"

# GitHub code scanning reads `security-severity` (a CVSS-like number) to rank results.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.INFO: "0.0",
    Severity.UNKNOWN: "0.0",
}


def _level(severity: Severity) -> str:
    if severity >= Severity.HIGH:
        return "error"
    if severity >= Severity.MEDIUM:
        return "warning"
    return "note"


def _rule_descriptor(f: Finding) -> dict[str, Any]:
    rule = get_rule(f.rule_id)
    severity = rule.severity if rule else f.severity
    hadolint = dict(f.details).get("hadolint")
    tags = ["security", rule.category] if rule and rule.category else ["security"]
    descriptor: dict[str, Any] = {
        "id": f.rule_id,
        "name": f.title.title().replace(" ", "").replace("/", ""),
        "shortDescription": {"text": f.title},
        "fullDescription": {"text": rule.remediation if rule else f.title},
        "defaultConfiguration": {"level": _level(severity)},
        "properties": {
            "security-severity": _SECURITY_SEVERITY[severity],
            "tags": [*tags, f"hadolint:{hadolint}"] if hadolint else tags,
        },
    }
    if f.docs_url:
        descriptor["helpUri"] = f.docs_url
    if f.remediation:
        descriptor["help"] = {"text": f.remediation}
    return descriptor


def _location(f: Finding, target_uri: str) -> dict[str, Any]:
    loc = f.location
    physical: dict[str, Any]
    if loc.line is not None and loc.path:
        region: dict[str, int] = {"startLine": loc.line}
        if loc.column is not None:
            region["startColumn"] = loc.column
        if loc.end_line is not None:
            region["endLine"] = loc.end_line
        if loc.end_column is not None:
            region["endColumn"] = loc.end_column
        physical = {"artifactLocation": {"uri": loc.path}, "region": region}
    elif loc.path:
        physical = {
            "artifactLocation": {"uri": loc.path.lstrip("/") or ".", "uriBaseId": "IMAGEROOT"}
        }
    else:
        physical = {"artifactLocation": {"uri": target_uri}}
    out: dict[str, Any] = {"physicalLocation": physical}
    logical = []
    if loc.layer is not None:
        logical.append({"kind": "layer", "name": loc.layer_digest or str(loc.layer)})
    if loc.field:
        logical.append({"kind": "member", "name": loc.field})
    if logical:
        out["logicalLocations"] = logical
    return out


def _vuln_descriptor(v: Vulnerability) -> dict[str, Any]:
    score = v.cvss_score if v.cvss_score is not None else max((c[2] for c in v.cvss), default=None)
    security = f"{score:.1f}" if score is not None else _SECURITY_SEVERITY[v.severity]
    text = v.title or f"{v.id} in {v.package_name}"
    return {
        "id": v.id,
        "name": v.id.replace("-", ""),
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "defaultConfiguration": {"level": _level(v.severity)},
        "helpUri": v.references[0] if v.references else f"https://osv.dev/vulnerability/{v.id}",
        "help": {"text": f"Upgrade {v.package_name} to {v.fixed_version or 'a fixed version'}."},
        "properties": {"security-severity": security, "tags": ["security", "vulnerability"]},
    }


def _vuln_result(v: Vulnerability, index: int) -> dict[str, Any]:
    fixed = f", fixed in {v.fixed_version}" if v.fixed_version else f" ({v.fix_state})"
    path = v.location.path or ""
    return {
        "ruleId": v.id,
        "ruleIndex": index,
        "level": _level(v.severity),
        "message": {"text": f"{v.package_name} {v.package_version} is affected by {v.id}{fixed}"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": path.lstrip("/") or ".", "uriBaseId": "IMAGEROOT"}
                }
            }
        ],
        "properties": _vuln_properties(v),
    }


def _run_properties(result: ScanResult) -> dict[str, Any]:
    """The image digest, and the verdict's blind spots: unchecked packages, unrated
    vulnerabilities, the advisory data's dates."""
    properties: dict[str, Any] = {"imageDigest": result.target.digest}
    if result.coverage is not None:
        properties["coverage"] = coverage_document(result.coverage)
        properties["unratedVulnerabilities"] = unrated_count(result)
    if result.advisory_data:
        properties["advisoryData"] = advisory_data_document(result.advisory_data)
    return properties


def _vuln_properties(v: Vulnerability) -> dict[str, Any]:
    props: dict[str, Any] = {
        "purl": v.purl,
        "severity": v.severity.name,
        "severitySource": v.severity_source,
        "knownExploited": v.kev is not None,
    }
    if v.cvss_score is not None:
        props.update(cvssScore=v.cvss_score, cvssVector=v.cvss_vector, cvssSource=v.cvss_source)
    if v.kev:
        props["kevDateAdded"] = v.kev
    if v.epss is not None:
        props.update(epss=v.epss, epssPercentile=v.epss_percentile)
    return props


def render_sarif(result: ScanResult, color: bool = False) -> bytes:
    del color
    rule_ids, descriptors = _finding_rules(result.findings)
    target_uri = result.target.reference
    results = [_finding_result(f, rule_ids.index(f.rule_id), target_uri) for f in result.findings]
    for v in result.vulnerabilities:
        if v.ignored is not None:
            continue
        if v.id not in rule_ids:
            rule_ids.append(v.id)
            descriptors.append(_vuln_descriptor(v))
        results.append(_vuln_result(v, rule_ids.index(v.id)))
    image_root = {
        "IMAGEROOT": {
            "uri": "file:///",
            "description": {"text": f"root filesystem of {target_uri}"},
        }
    }
    run = {"originalUriBaseIds": image_root, "properties": _run_properties(result)}
    return _document(result.caulk_version, descriptors, results, run)


def render_findings_sarif(findings: Iterable[Finding], version: str) -> bytes:
    """Findings of files outside an image (`caulk lint`): each keeps its own path and region."""
    listed = tuple(findings)
    rule_ids, descriptors = _finding_rules(listed)
    results = [_finding_result(f, rule_ids.index(f.rule_id), "") for f in listed]
    return _document(version, descriptors, results, {})


def _finding_rules(findings: Sequence[Finding]) -> tuple[list[str], list[dict[str, Any]]]:
    rule_ids: list[str] = []
    descriptors: list[dict[str, Any]] = []
    for f in findings:
        if f.rule_id not in rule_ids:
            rule_ids.append(f.rule_id)
            descriptors.append(_rule_descriptor(f))
    return rule_ids, descriptors


def _finding_result(f: Finding, rule_index: int, target_uri: str) -> dict[str, Any]:
    # caulk's severity: `level` folds LOW and INFO into "note"
    properties: dict[str, Any] = {"severity": f.severity.name}
    if f.location.layer is not None:
        properties["layer"] = f.location.layer
    return {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": _level(f.severity),
        "message": {"text": f.message},
        "locations": [_location(f, target_uri)],
        "properties": properties,
    }


def _document(
    version: str, descriptors: list[dict[str, Any]], results: list[dict[str, Any]],
    run: dict[str, Any],
) -> bytes:  # fmt: skip
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "caulk",
                        "version": version,
                        "informationUri": INFORMATION_URI,
                        "rules": descriptors,
                    }
                },
                **run,
                "results": results,
            }
        ],
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    # paths not in UTF-8 hold surrogates (surrogateescape): write them as JSON \udcXX escapes
    return text.encode("utf-8", "backslashreplace")
