"""Lint output formats: tty (rich), json, sarif 2.1.0, checkstyle, GitLab Code Quality
(codeclimate). Every renderer takes the results of one run and returns text."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from caulk import __version__
from caulk.check.dockerfile.engine import LintResult
from caulk.check.rules import get_rule
from caulk.model import Finding, Severity

__all__ = ["FORMATS", "render"]

_SARIF_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning"}
_CHECKSTYLE = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning"}
_CODECLIMATE = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.MEDIUM: "major",
    Severity.LOW: "minor",
}
_INFO_URI = "https://github.com/caulk-dev/caulk"


def _hadolint(f: Finding) -> str | None:
    return dict(f.details).get("hadolint")


def _json(results: Sequence[LintResult], color: bool) -> str:
    files = []
    for r in results:
        files.append(
            {
                "path": r.path,
                "failed": r.failed,
                "suppressed": r.suppressed,
                "findings": [
                    {
                        "rule_id": f.rule_id,
                        "hadolint": _hadolint(f),
                        "severity": f.severity.name,
                        "title": f.title,
                        "message": f.message,
                        "line": f.location.line,
                        "column": f.location.column,
                        "end_line": f.location.end_line,
                        "end_column": f.location.end_column,
                        "remediation": f.remediation,
                        "docs_url": f.docs_url,
                    }
                    for f in r.findings
                ],
                "unknowns": [u.reason for u in r.unknowns],
            }
        )
    total = sum(len(r.findings) for r in results)
    doc = {"tool": "caulk", "version": __version__, "files": files, "total": total}
    return json.dumps(doc, indent=2) + "\n"


def _sarif(results: Sequence[LintResult], color: bool) -> str:
    rules: dict[str, dict[str, object]] = {}
    sarif_results = []
    for r in results:
        for f in r.findings:
            if f.rule_id not in rules:
                rule = get_rule(f.rule_id)
                entry: dict[str, object] = {
                    "id": f.rule_id,
                    "name": f.title,
                    "shortDescription": {"text": f.title},
                    "help": {"text": f.remediation or f.title},
                    "defaultConfiguration": {
                        "level": _SARIF_LEVEL.get(rule.severity if rule else f.severity, "note")
                    },
                    "properties": {"tags": ["dockerfile"]},
                }
                if f.docs_url:
                    entry["helpUri"] = f.docs_url
                if _hadolint(f):
                    entry["properties"] = {"tags": ["dockerfile", f"hadolint:{_hadolint(f)}"]}
                rules[f.rule_id] = entry
            loc = f.location
            region: dict[str, int] = {"startLine": loc.line or 1, "startColumn": loc.column or 1}
            if loc.end_line:
                region["endLine"] = loc.end_line
            if loc.end_column:
                region["endColumn"] = loc.end_column
            sarif_results.append(
                {
                    "ruleId": f.rule_id,
                    "ruleIndex": list(rules).index(f.rule_id),
                    "level": _SARIF_LEVEL.get(f.severity, "note"),
                    "message": {"text": f.message},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": r.path},
                                "region": region,
                            }
                        }
                    ],
                    "properties": {"severity": f.severity.name},
                }
            )
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "caulk",
                        "version": __version__,
                        "informationUri": _INFO_URI,
                        "rules": list(rules.values()),
                    }
                },
                "results": sarif_results,
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def _checkstyle(results: Sequence[LintResult], color: bool) -> str:
    from xml.sax.saxutils import quoteattr

    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<checkstyle version="4.3">']
    for r in results:
        out.append(f"  <file name={quoteattr(r.path)}>")
        for f in r.findings:
            sev = _CHECKSTYLE.get(f.severity, "info")
            out.append(
                f'    <error line="{f.location.line or 1}" column="{f.location.column or 1}" '
                f'severity="{sev}" message={quoteattr(f.message)} '
                f"source={quoteattr(f.rule_id)}/>"
            )
        out.append("  </file>")
    out.append("</checkstyle>")
    return "\n".join(out) + "\n"


def _codeclimate(results: Sequence[LintResult], color: bool) -> str:
    import hashlib

    issues = []
    for r in results:
        for f in r.findings:
            key = f"{r.path}:{f.rule_id}:{f.location.line}:{f.message}".encode()
            issues.append(
                {
                    "type": "issue",
                    "check_name": f.rule_id,
                    "description": f"{f.rule_id} {f.message}",
                    "categories": ["Security" if f.severity >= Severity.HIGH else "Style"],
                    "fingerprint": hashlib.md5(key).hexdigest(),
                    "severity": _CODECLIMATE.get(f.severity, "info"),
                    "location": {
                        "path": r.path,
                        "lines": {
                            "begin": f.location.line or 1,
                            "end": f.location.end_line or f.location.line or 1,
                        },
                    },
                }
            )
    return json.dumps(issues, indent=2) + "\n"


_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def _tty(results: Sequence[LintResult], color: bool) -> str:
    import io

    from rich.console import Console
    from rich.markup import escape as escape_markup

    from caulk.terminal import printable

    def escape(text: str) -> str:  # no markup, and no control character from the Dockerfile
        return escape_markup(printable(text))

    buf = io.StringIO()
    con = Console(file=buf, force_terminal=color, no_color=not color, width=120, highlight=False)
    total = 0
    for r in results:
        for f in r.findings:
            total += 1
            loc = f"{r.path}:{f.location.line or 1}:{f.location.column or 1}"
            code = f.rule_id + (f" ({_hadolint(f)})" if _hadolint(f) else "")
            style = _STYLE.get(f.severity, "")
            con.print(
                f"{escape(loc)} [{style}]{f.severity.name:<8}[/] {code} {escape(f.message)}",
                soft_wrap=True,
            )
            if f.remediation:
                con.print(f"    [dim]fix: {escape(f.remediation)}[/]", soft_wrap=True)
        for u in r.unknowns:
            con.print(f"{escape(r.path)}: [magenta]unknown[/] {escape(u.reason)}", soft_wrap=True)
    files = len(results)
    failed = sum(1 for r in results if r.failed)
    con.print(f"{total} finding(s) in {files} file(s); {failed} file(s) over the threshold")
    return buf.getvalue()


FORMATS: dict[str, Callable[[Sequence[LintResult], bool], str]] = {
    "tty": _tty,
    "json": _json,
    "sarif": _sarif,
    "checkstyle": _checkstyle,
    "codeclimate": _codeclimate,
    "gitlab": _codeclimate,
}


def render(fmt: str, results: Sequence[LintResult], *, color: bool = False) -> str:
    return FORMATS[fmt](results, color)
