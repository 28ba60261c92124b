"""Predicates for `caulk attest`: a JSON file, or produced by caulk itself when no file is given
(`scan`: caulk's JSON scan report `caulk.scan/v1`; `sbom`: CycloneDX from the report renderer,
when this build has one)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from caulk.errors import InputError, OperationalError, UsageError
from caulk.registry.options import DEFAULT_OPTIONS, RegistryOptions
from caulk.safeload import DocumentError, load_json
from caulk.signing.interface import PREDICATE_TYPES

__all__ = ["load_predicate", "produce_predicate"]

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


def produce_predicate(
    predicate_type: str, reference: str, registry: RegistryOptions = DEFAULT_OPTIONS
) -> Any:
    """Scan `reference` and build the predicate for `predicate_type` (UsageError if caulk has no
    producer for it)."""
    from caulk.fs.cache import LayerCache
    from caulk.report.jsonout import to_document
    from caulk.sbom import write_cyclonedx
    from caulk.scan import ScanOptions, scan_image

    if predicate_type == PREDICATE_TYPES["scan"]:
        options = ScanOptions(cache=LayerCache.open_default(), registry=registry)
        return _finite(to_document(scan_image(reference, options)))
    if predicate_type == PREDICATE_TYPES["sbom"]:
        options = ScanOptions(
            hygiene=False, match=False, cache=LayerCache.open_default(), registry=registry
        )
        return json.loads(write_cyclonedx(scan_image(reference, options)))
    raise UsageError(f"caulk cannot produce a {predicate_type} predicate: pass --predicate FILE")
