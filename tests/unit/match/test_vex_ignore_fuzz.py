"""Fuzz (issue 9): `load_openvex` (`--vex`) and `load_ignore_file` (`--ignore-file`) on hostile
documents: statements / entries or a one-line caulk `Error`, never another exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import example, given

from caulk.match.ignore import load_ignore_file
from caulk.match.vex import load_openvex
from tests.support.fuzz import (
    FUZZ,
    HOSTILE_TOKENS,
    clean,
    json_documents,
    pending_on_safeload,
    text_documents,
)

VEX = {
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": "https://example.com/vex/1",
    "author": "sec team",
    "timestamp": "2026-01-01T00:00:00Z",
    "version": 1,
    "statements": [
        {
            "vulnerability": {"name": "CVE-2023-43804", "aliases": ["GHSA-v845-jxx5-vc9f"]},
            "products": [{"@id": "pkg:pypi/urllib3@1.24.1", "subcomponents": [{"@id": "x"}]}],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
            "timestamp": "2023-10-01T09:00:00+09:00",
        },
        {
            "vulnerability": {"name": "CVE-2023-43804"},
            "products": [{"@id": "pkg:pypi/urllib3@1.24.1"}],
            "status": "affected",
            "timestamp": "2023-10-01T01:00:00Z",
        },
    ],
}
IGNORE = (
    "vulnerabilities:\n"
    "  - id: GHSA-v845-jxx5-vc9f\n"
    "    reason: cookies never cross origins here\n"
    "    purls: [pkg:pypi/urllib3]\n"
    "  - id: CVE-2020-1747\n"
    "    reason: stale exception\n"
    "    expires: 2020-01-01\n"
    "findings:\n"
    "  - id: CK-IMG-001\n"
    "    reason: needed\n"
    "    paths: [/usr/bin/sudo]\n"
)


def _with_file(name: str, data: bytes, load: object) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        clean(lambda: load(path))  # type: ignore[operator]


@pending_on_safeload("items 8, 19")
@FUZZ
@given(json_documents([VEX]))
@example(json.dumps({**VEX, "statements": [{**VEX["statements"][0], "timestamp": 7}]}).encode())
@example(b'{"statements": ' + HOSTILE_TOKENS[0].encode() + b"}")
def test_hostile_vex_fails_cleanly(document: bytes) -> None:
    _with_file("vex.json", document, load_openvex)


@pending_on_safeload("item 20")
@FUZZ
@given(text_documents([IGNORE]))
@example(IGNORE.replace("2020-01-01", "2020-02-30"))  # item 20: YAML turns it into a bad date
@example(IGNORE.replace("2020-01-01", "2020-01-01 10:00:00"))  # ... or a datetime
@example(IGNORE.replace("2020-01-01", "99999-01-01"))
@example("a: &a [x, x]\nb: &b [*a, *a]\nvulnerabilities: [*b, *b]\n")
def test_hostile_ignore_files_fail_cleanly(document: str) -> None:
    _with_file("ignore.yaml", document.encode("utf-8", "surrogateescape"), load_ignore_file)
