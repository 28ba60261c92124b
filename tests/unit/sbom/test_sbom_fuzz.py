"""Fuzz (issue 9): `read_sbom` on hostile CycloneDX and SPDX JSON: an inventory (bad packages
become Unknowns) or a one-line caulk `Error`, never another exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import example, given

from caulk.sbom.reader import read_sbom
from tests.support.fuzz import FUZZ, HOSTILE_TOKENS, clean, json_documents, pending_on_safeload

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sbom"
SEEDS = [json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json"))]


@pending_on_safeload("item 19")
@FUZZ
@given(json_documents(SEEDS))
@example(
    b'{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": '
    + HOSTILE_TOKENS[0].encode()
    + b"}"
)
@example(b'{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": ' + b"9" * 5000 + b"}")
@example(json.dumps({**SEEDS[0], "metadata": {"component": {"name": ["x"]}}}).encode())
def test_hostile_sboms_fail_cleanly(document: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sbom.json"
        path.write_bytes(document)
        clean(lambda: read_sbom(path))
