"""JSON report, schema `caulk.scan/v1` (documented in docs/json-output.md).

Keys are camelCase, lists are sorted deterministically, absent values are omitted rather than null,
so two scans of the same image differ only in `scannedAt`.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from typing import Any

from caulk.model import Finding, Location, ScanResult, Severity, Unknown

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
            item = getattr(value, f.name)
            if item is None:
                continue
            out[_camel(f.name)] = _plain(item)
        return out
    if isinstance(value, Severity):
        return value.name
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


def to_document(result: ScanResult) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schemaVersion": SCHEMA_VERSION,
        "caulkVersion": result.caulk_version,
        "scannedAt": result.scanned_at,
        "target": _plain(result.target),
        "summary": {"findings": summary(result), "unknowns": len(result.unknowns)},
        "findings": [_finding(f) for f in result.findings],
        "unknowns": [_unknown(u) for u in result.unknowns],
    }
    if result.efficiency is not None:
        doc["efficiency"] = _plain(result.efficiency)
    return doc


def render_json(result: ScanResult, color: bool = False) -> bytes:
    del color
    return (json.dumps(to_document(result), indent=2, ensure_ascii=False) + "\n").encode()
