"""Predicates for `caulk attest`: a JSON file, or produced by caulk itself when no file is given
(`scan`: caulk's JSON scan report `caulk.scan/v1`; `sbom`: CycloneDX from the report renderer,
when this build has one), built from a scan the caller runs (signing never scans on its own)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caulk.errors import InputError, OperationalError, UsageError
from caulk.safeload import DocumentError, load_json
from caulk.signing.interface import PREDICATE_TYPES

if TYPE_CHECKING:
    from caulk.model import ScanResult
    from caulk.scan import ScanOptions

__all__ = ["load_predicate", "predicate_from_scan", "scan_options_for"]

MAX_PREDICATE = 64 * 1024 * 1024


def load_predicate(path: Path) -> Any:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_PREDICATE + 1)
    except FileNotFoundError:
        raise InputError("no such predicate file", where=str(path)) from None
    except OSError as exc:
        raise OperationalError(f"cannot read: {exc.strerror}", where=str(path)) from None
    if len(data) > MAX_PREDICATE:
        raise InputError(f"predicate larger than {MAX_PREDICATE} bytes", where=str(path))
    try:
        return load_json(data, where=str(path), what="predicate")
    except DocumentError as exc:
        raise InputError(exc.message, where=str(path)) from None


def _finite(value: Any) -> Any:
    """JSON has no NaN/Infinity (Go refuses to marshal them): they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def scan_options_for(predicate_type: str, base: ScanOptions) -> ScanOptions:
    """`base` (the caller's cache, registry settings…) narrowed to the scan whose result makes
    the predicate for `predicate_type`; the caller runs it. UsageError if caulk has no producer
    for that type."""
    if predicate_type == PREDICATE_TYPES["scan"]:
        return base
    if predicate_type == PREDICATE_TYPES["sbom"]:
        return dataclasses.replace(base, hygiene=False, match=False)
    raise UsageError(f"caulk cannot produce a {predicate_type} predicate: pass --predicate FILE")


def predicate_from_scan(predicate_type: str, result: ScanResult) -> Any:
    """The predicate for `predicate_type` built from a scan the caller ran with
    `scan_options_for(predicate_type, …)`."""
    from caulk.report.jsonout import to_document
    from caulk.sbom import write_cyclonedx

    if predicate_type == PREDICATE_TYPES["scan"]:
        return _finite(to_document(result))
    if predicate_type == PREDICATE_TYPES["sbom"]:
        return json.loads(write_cyclonedx(result))
    raise UsageError(f"caulk cannot produce a {predicate_type} predicate: pass --predicate FILE")
