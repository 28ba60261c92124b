"""Produced predicates: the caller runs the scan (`scan_options_for` says which), signing builds
the body from the `ScanResult` it is given."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from caulk.errors import UsageError
from caulk.scan import ScanOptions, scan_image
from caulk.signing.interface import PREDICATE_TYPES
from caulk.signing.predicate import predicate_from_scan, scan_options_for

DEMO = Path(__file__).resolve().parents[3] / "examples" / "demo-image"
OTHER = "https://slsa.dev/provenance/v1"


def test_the_sbom_scan_catalogs_only_and_keeps_the_callers_settings() -> None:
    base = ScanOptions(workers=1, ignore_unfixed=True)
    assert scan_options_for(PREDICATE_TYPES["scan"], base) is base
    sbom = scan_options_for(PREDICATE_TYPES["sbom"], base)
    assert (sbom.hygiene, sbom.match, sbom.workers, sbom.ignore_unfixed) == (False, False, 1, True)


def test_no_producer_is_a_usage_error_before_any_scan() -> None:
    with pytest.raises(UsageError, match="pass --predicate FILE"):
        scan_options_for(OTHER, ScanOptions())


def test_the_predicates_come_from_the_given_result(tmp_path: Path) -> None:
    ref = f"oci:{shutil.copytree(DEMO, tmp_path / 'demo')}:latest"
    result = scan_image(ref, scan_options_for(PREDICATE_TYPES["sbom"], ScanOptions()))
    sbom = predicate_from_scan(PREDICATE_TYPES["sbom"], result)
    assert sbom["bomFormat"] == "CycloneDX" and sbom["components"]
    report = predicate_from_scan(PREDICATE_TYPES["scan"], result)
    assert json.loads(json.dumps(report, allow_nan=False)) == report
    assert result.packages and len(report["packages"]) == len(result.packages)
    with pytest.raises(UsageError):
        predicate_from_scan(OTHER, result)
