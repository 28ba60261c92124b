"""The one rule model and registry shared by image checks and the Dockerfile linter.

Every rule has a stable ID (`CK-IMG-…` for image checks, `CK-DF-…` for Dockerfile rules), a
severity, a title, remediation text and a docs page `docs/rules/<ID>.md`. Dockerfile rules also name
their hadolint equivalent so users can migrate (`# hadolint ignore=DL3008` works).

    SETUID = register(Rule("CK-IMG-001", Severity.HIGH, "SETUID/SETGID file", "Clear the bit…"))
    finding = SETUID.finding("…", Location(path="/usr/bin/su", layer=0))
"""

from __future__ import annotations

from dataclasses import dataclass

from caulk.model import Finding, Location, Severity

__all__ = ["DOCS_BASE", "Rule", "all_rules", "get_rule", "register"]

DOCS_BASE = "https://github.com/caulk-dev/caulk/blob/main/docs/rules/"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    title: str
    remediation: str
    category: str = ""
    hadolint: str | None = None  # equivalent hadolint code, e.g. "DL3008"

    @property
    def docs_url(self) -> str:
        return f"{DOCS_BASE}{self.id}.md"

    def finding(
        self,
        message: str,
        location: Location | None = None,
        *,
        severity: Severity | None = None,
        details: tuple[tuple[str, str], ...] = (),
    ) -> Finding:
        return Finding(
            rule_id=self.id,
            severity=self.severity if severity is None else severity,
            title=self.title,
            message=message,
            location=location or Location(),
            remediation=self.remediation,
            docs_url=self.docs_url,
            details=details,
        )


_RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    existing = _RULES.get(rule.id)
    if existing is not None and existing != rule:
        raise ValueError(f"rule id {rule.id} registered twice with different definitions")
    _RULES[rule.id] = rule
    return rule


def get_rule(rule_id: str) -> Rule | None:
    return _RULES.get(rule_id)


def all_rules() -> tuple[Rule, ...]:
    return tuple(sorted(_RULES.values(), key=lambda r: r.id))
