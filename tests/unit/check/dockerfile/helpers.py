"""Helpers for the Dockerfile linter tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

from caulk.check.dockerfile import LintConfig, LintResult, lint

__all__ = ["DEV_FIXTURES", "codes", "run_lint"]

DEV_FIXTURES = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "dockerfiles" / "dev"


def run_lint(text: str | bytes, config: LintConfig | None = None) -> LintResult:
    if isinstance(text, str):
        text = textwrap.dedent(text).lstrip("\n")
    return lint(text, path="Dockerfile", config=config or LintConfig())


def codes(text: str | bytes, config: LintConfig | None = None) -> set[str]:
    return {f.rule_id for f in run_lint(text, config).findings}
