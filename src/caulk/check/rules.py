"""The one rule model and registry shared by image checks and the Dockerfile linter.

Every rule has a stable ID (`CK-IMG-…` for image checks, `CK-DF-…` for Dockerfile rules), a
severity, a title, remediation text and a docs page `docs/rules/<ID>.md`. Dockerfile rules also name
their hadolint equivalent so users can migrate (`# hadolint ignore=DL3008` works).

    SETUID = register(Rule("CK-IMG-001", Severity.HIGH, "SETUID/SETGID file", "Clear the bit…"))
    finding = SETUID.finding("…", Location(path="/usr/bin/su", layer=0))

Both kinds of check run through `run_guarded`: a check that raises yields no results and one
`Unknown` naming its rules; the run goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from caulk.model import Finding, Location, Severity, Unknown

__all__ = ["DOCS_BASE", "Rule", "all_rules", "get_rule", "register", "run_guarded"]

log = logging.getLogger(__name__)
C = TypeVar("C")
T = TypeVar("T")

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


def run_guarded(
    rules: tuple[Rule, ...],
    name: str,
    run: Callable[[C], Iterable[T]],
    ctx: C,
    where: Location,
) -> tuple[list[T], Unknown | None]:
    """`run(ctx)` for one check (`name`, producing results of `rules`) to the end; if it raises,
    no results and one `Unknown` at `where` naming the rules, so the other checks still run."""
    try:
        return list(run(ctx)), None
    except Exception as exc:  # a broken rule must not abort the run
        ids = ", ".join(r.id for r in rules) or "?"
        log.warning("rule %s (%s) failed on %s: %s", ids, name, where.path or "-", exc,
                    exc_info=True)  # fmt: skip
        return [], Unknown(where, f"rule {ids} ({name}) failed: {exc}")
