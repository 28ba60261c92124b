"""OpenVEX input: "latest statement wins" by instant, not by string (issue 9 items 8 and 19)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from caulk.errors import EXIT_BAD_INPUT, PolicyError
from caulk.match.interface import Vulnerability
from caulk.match.vex import apply_vex, load_openvex
from caulk.model import Severity

PURL = "pkg:pypi/urllib3@1.26.5"
URLLIB3 = Vulnerability(
    id="CVE-2023-43804",
    aliases=("GHSA-v845-jxx5-vc9f",),
    package_name="urllib3",
    package_version="1.26.5",
    package_type="pypi",
    purl=PURL,
    ecosystem="PyPI",
    severity=Severity.HIGH,
    severity_source="CVSS_V3",
    fix_state="fixed",
    fixed_version="1.26.17",
)


def _statement(status: str, timestamp: object, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "vulnerability": {"name": "CVE-2023-43804"},
        "products": [{"@id": "pkg:pypi/urllib3"}],
        "status": status,
        **extra,
    }
    if timestamp is not None:
        out["timestamp"] = timestamp
    return out


def _write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "vex.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def _verdict(tmp_path: Path, *statements: dict[str, Any], **doc: Any) -> str | None:
    path = _write(tmp_path, {"@context": "https://openvex.dev/ns/v0.2.0", **doc,
                             "statements": list(statements)})  # fmt: skip
    (vuln,) = apply_vex(load_openvex(path), (URLLIB3,), frozenset())
    return vuln.ignored


def test_newer_affected_beats_older_not_affected_with_an_offset(tmp_path: Path) -> None:
    """The red-team case: as strings, "2023-10-17T09:00:00+09:00" > "2023-10-17T01:00:00Z",
    but the first is 00:00 UTC, an hour *before* the `affected` statement."""
    older = _statement(
        "not_affected", "2023-10-17T09:00:00+09:00", justification="vulnerable_code_not_present"
    )
    newer = _statement("affected", "2023-10-17T01:00:00Z")
    assert _verdict(tmp_path, older, newer) is None
    assert _verdict(tmp_path, newer, older) is None
    later = _statement("not_affected", "2023-10-17T10:00:00.5+09:00", justification="x")
    assert _verdict(tmp_path, newer, later) == "VEX not_affected: x"


def test_document_timestamp_is_inherited_and_undated_never_wins(tmp_path: Path) -> None:
    undated = _statement("not_affected", None, justification="x")
    dated = _statement("affected", "2020-01-01T00:00:00Z")
    assert _verdict(tmp_path, undated, dated) is None
    assert _verdict(tmp_path, undated) == "VEX not_affected: x"
    assert _verdict(tmp_path, undated, dated, timestamp="2024-01-01T00:00:00Z") is not None


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ({"statements": [_statement("affected", "yesterday")]}, "statements[0]: timestamp"),
        ({"statements": [_statement("affected", "2023-10-17T01:00:00")]}, "time zone"),
        ({"statements": [_statement("affected", "2023-02-30T01:00:00Z")]}, "not a valid time"),
        ({"statements": [_statement("affected", 5)]}, "not a string"),
        ({"timestamp": "9999-12-31T23:59:59-01:00", "statements": []}, "not a valid time"),
        ('{"statements": ' + "[" * 5000 + "]" * 5000 + "}", "nested more than"),
        ('{"statements": [], "n": ' + "9" * 5000 + "}", "more than 20 digits"),
    ],
)
def test_bad_vex_is_a_one_line_policy_error(tmp_path: Path, doc: Any, needle: str) -> None:
    path = _write(tmp_path, doc)
    with pytest.raises(PolicyError) as caught:
        load_openvex(path)
    assert needle in str(caught.value) and str(path) in str(caught.value)
    assert "\n" not in str(caught.value) and caught.value.exit_code == EXIT_BAD_INPUT
