"""caulk.check.dockerfile: the Dockerfile linter.

    from caulk.check.dockerfile import LintConfig, lint
    result = lint(text, path="Dockerfile", config=LintConfig())
    for finding in result.findings: ...

Heavy modules (rules, YAML, rich) load only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from caulk.check.dockerfile.config import LintConfig, load_config
    from caulk.check.dockerfile.engine import LintResult, lint, lint_path
    from caulk.check.dockerfile.parser import parse

__all__ = ["LintConfig", "LintResult", "lint", "lint_path", "load_config", "parse"]

_WHERE = {
    "LintConfig": "config",
    "load_config": "config",
    "LintResult": "engine",
    "lint": "engine",
    "lint_path": "engine",
    "parse": "parser",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(f"caulk.check.dockerfile.{module}"), name)
