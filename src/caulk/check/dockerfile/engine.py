"""`lint()`: parse, run every enabled check and the user's rules, apply pragmas, ignores and
severity overrides, and return findings with exact locations.

Locations: lines and columns are 1-based; `end_column` is exclusive (the column just after the
last character), as in SARIF."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path

from caulk.check.dockerfile import ruleset as cat
from caulk.check.dockerfile.config import LintConfig
from caulk.check.dockerfile.context import Hit, LintContext, checks
from caulk.check.dockerfile.custom import evaluate
from caulk.check.dockerfile.parser import parse
from caulk.check.dockerfile.syntax import Dockerfile, Instruction
from caulk.check.rules import run_all
from caulk.errors import DockerfileError
from caulk.model import Finding, Location, Severity, Unknown

__all__ = ["LintResult", "lint", "lint_path"]

log = logging.getLogger(__name__)
_PRAGMA = re.compile(r"^(hadolint|caulk)\s+(global\s+)?ignore\s*=\s*([A-Za-z0-9_\-, ]+)", re.I)


@dataclass(frozen=True, slots=True)
class LintResult:
    path: str
    findings: tuple[Finding, ...]
    unknowns: tuple[Unknown, ...] = ()
    suppressed: int = 0  # findings silenced by pragmas or ignore lists
    threshold: Severity | None = Severity.LOW  # None: never fail

    @property
    def failed(self) -> bool:
        t = self.threshold
        return t is not None and any(f.severity >= t for f in self.findings)


def lint_path(path: Path | str, *, config: LintConfig | None = None) -> LintResult:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DockerfileError(
            f"cannot read Dockerfile: {exc.strerror or exc}", where=str(p)
        ) from None
    return lint(data, path=str(p), config=config or LintConfig())


def lint(text: str | bytes, *, path: str, config: LintConfig) -> LintResult:
    df = parse(text)
    ctx = LintContext(df, config)
    hits, unknowns = run_all(
        checks(),
        ctx,
        enabled=lambda rule: _enabled(rule.id, rule.hadolint, config),
        where=Location(path=path),
    )
    for custom in config.custom_rules:
        hits.extend(evaluate(custom, ctx))
    findings: list[Finding] = [_problem_finding(path, p) for p in df.problems]
    suppressed = 0
    ignores = _pragmas(df) if not config.disable_pragmas else _Pragmas({}, set())
    seen: set[tuple[str, int | None, int | None, str]] = set()
    for hit in hits:
        rule = hit.rule
        if not _enabled(rule.id, rule.hadolint, config):
            continue
        if ignores.ignored(rule.id, rule.hadolint, hit.instruction):
            suppressed += 1
            continue
        f = _finding(path, hit, config)
        key = (f.rule_id, f.location.line, f.location.column, f.message)
        if key not in seen:
            seen.add(key)
            findings.append(f)
    findings = [
        f
        for f in findings
        if not (f.rule_id == cat.SYNTAX.id and ignores.global_ignored(cat.SYNTAX))
    ]
    findings.sort(key=lambda f: (f.location.line or 0, f.location.column or 0, f.rule_id))
    return LintResult(path, tuple(findings), tuple(unknowns), suppressed, config.failure_threshold)


def _enabled(rule_id: str, hadolint: str | None, config: LintConfig) -> bool:
    if config.is_ignored(rule_id, hadolint):
        return False
    return rule_id not in cat.OPT_IN or (rule_id == cat.NO_DIGEST.id and config.require_digest)


def _problem_finding(path: str, p: object) -> Finding:
    from caulk.check.dockerfile.syntax import Problem

    assert isinstance(p, Problem)
    loc = Location(path=path, line=p.line, column=p.column, end_line=p.end_line,
                   end_column=p.end_column)  # fmt: skip
    return cat.SYNTAX.finding(p.message, loc, details=(("hadolint", "DL1000"),))


def _finding(path: str, hit: Hit, config: LintConfig) -> Finding:
    rule = hit.rule
    loc = Location(path=path, line=hit.line or 1, column=1)
    ins = hit.instruction
    if hit.script is not None and hit.end > hit.start:
        start = hit.script.position(hit.start)
        end = hit.script.position(hit.end)
        if start is not None and end is not None:
            loc = Location(path=path, line=start[0], column=start[1], end_line=end[0],
                           end_column=end[1])  # fmt: skip
    elif ins is not None:
        s = ins.span
        loc = Location(path=path, line=s.line, column=s.column, end_line=s.end_line,
                       end_column=s.end_column)  # fmt: skip
    sev = config.severity_for(rule.id, rule.hadolint)
    details: tuple[tuple[str, str], ...] = ()
    if rule.hadolint:
        details += (("hadolint", rule.hadolint),)
    if ins is not None:
        details += (("instruction_line", str(ins.span.line)),)
    f = rule.finding(hit.message, loc, severity=sev, details=details)
    if hit.docs_url is not None:
        f = replace(f, docs_url=hit.docs_url)
    elif rule.category == "custom":
        f = replace(f, docs_url="")
    return f


@dataclass(frozen=True, slots=True)
class _Pragmas:
    by_line: dict[int, set[str]]  # instruction start line -> ignored codes
    global_codes: set[str]

    def ignored(self, rule_id: str, hadolint: str | None, ins: Instruction | None) -> bool:
        codes = set(self.global_codes)
        if ins is not None:
            codes |= self.by_line.get(ins.span.line, set())
        return rule_id.upper() in codes or (hadolint is not None and hadolint in codes)

    def global_ignored(self, rule: object) -> bool:
        from caulk.check.rules import Rule

        assert isinstance(rule, Rule)
        return rule.id in self.global_codes or (rule.hadolint or "") in self.global_codes


def _pragmas(df: Dockerfile) -> _Pragmas:
    """`# hadolint ignore=DL3008,DL3009` / `# caulk ignore=CK-DF-040` in the comment block right
    above an instruction; `# hadolint global ignore=…` / `# caulk global ignore=…` anywhere."""
    per_line: dict[int, set[str]] = {}
    global_codes: set[str] = set()
    starts = sorted(i.span.line for i in df.instructions)
    by_comment_line = {c.line: c for c in df.comments}
    for c in df.comments:
        m = _PRAGMA.match(c.text)
        if not m:
            continue
        codes = {x.strip().upper() for x in m.group(3).split(",") if x.strip()}
        if m.group(2):
            global_codes |= codes
            continue
        line = c.line + 1
        while line in by_comment_line:
            line += 1
        if line in starts:
            per_line.setdefault(line, set()).update(codes)
    return _Pragmas(per_line, global_codes)
