"""The lint formats (tty, json, sarif, checkstyle, codeclimate) are golden files; a Dockerfile
finding renders to the same SARIF whether `caulk lint` or `caulk scan --dockerfile` reports it."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

from caulk.check.dockerfile import LintConfig, lint
from caulk.check.dockerfile.engine import LintResult
from caulk.report import render
from caulk.report.lint import render as render_lint
from tests.unit.report.test_render import _result

GOLDEN = Path(__file__).parent / "golden"

# findings with and without an end position, a hadolint code, a docs URL, non-ASCII text
DOCKERFILE = (
    "FROM debian:latest\n"
    "RUN apt-get update && apt-get install -y curl\n"
    "ADD http://example.com/é.tgz /opt/\n"
    "RUN cd /tmp && sudo make\n"
    "MAINTAINER someone\n"
)


def _lint() -> LintResult:
    return lint(DOCKERFILE, path="svc/Dockerfile", config=LintConfig())


@pytest.mark.parametrize("fmt", ["tty", "json", "sarif", "checkstyle", "codeclimate"])
@pytest.mark.parametrize("color", [False, True])
def test_lint_golden(fmt: str, color: bool) -> None:
    if color and fmt != "tty":
        return
    out = render_lint(fmt, [_lint(), _lint()], color=color).encode()
    golden = GOLDEN / f"lint{'-color' if color else ''}.{fmt}"
    if os.environ.get("CAULK_UPDATE_GOLDEN"):
        golden.write_bytes(out)
    assert out == golden.read_bytes()


def _results(doc: dict[str, Any]) -> list[dict[str, Any]]:
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    return [r | {"ruleIndex": rules[r["ruleIndex"]]["id"]} for r in run["results"]]


def test_dockerfile_finding_same_sarif_result_in_lint_and_scan() -> None:
    linted = _lint()
    assert linted.findings
    from_lint = _results(json.loads(render_lint("sarif", [linted])))
    scanned = dataclasses.replace(_result(), findings=linted.findings, vulnerabilities=())
    from_scan = _results(json.loads(render(scanned, "sarif")))
    assert from_lint == from_scan


def test_sarif_of_lint_and_scan_is_valid_sarif_2_1_0() -> None:
    import jsonschema

    schema = json.loads((Path(__file__).parent / "fixtures/sarif-schema-2.1.0.json").read_text())
    validator = jsonschema.Draft4Validator(schema)
    for text in (render_lint("sarif", [_lint()]), render(_result(), "sarif")):
        errors = [e.message for e in validator.iter_errors(json.loads(text))]
        assert errors == []
