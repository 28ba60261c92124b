"""The one rule model and registry shared by image checks and the Dockerfile linter.

Every rule has a stable ID (`CK-IMG-…` for image checks, `CK-DF-…` for Dockerfile rules), a
severity, a title, remediation text and a docs page `docs/rules/<ID>.md`. Dockerfile rules also name
their hadolint equivalent so users can migrate (`# hadolint ignore=DL3008` works).

    SETUID = register(Rule("CK-IMG-001", Severity.HIGH, "SETUID/SETGID file", "Clear the bit…"))
    finding = SETUID.finding("…", Location(path="/usr/bin/su", layer=0))

Checks — what produces findings of rules — follow one model too: a `Check` has the `rules` it may
report and a `run(ctx)`; image checks are classes (they also declare file analyzers), Dockerfile
checks are functions registered on a `Checks` list with `@checks.register(RULE, …)`. `run_all` runs
any of them the same way: a check whose rules are all off is skipped, and one that raises yields no
results and one `Unknown` naming its rules (`run_guarded`); the run goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from caulk.model import Finding, Location, Severity, Unknown

__all__ = [
    "DOCS_BASE",
    "Check",
    "Checks",
    "FunctionCheck",
    "Rule",
    "all_rules",
    "get_rule",
    "register",
    "run_all",
    "run_guarded",
]

log = logging.getLogger(__name__)
C = TypeVar("C")
T = TypeVar("T")
C_contra = TypeVar("C_contra", contravariant=True)
T_co = TypeVar("T_co", covariant=True)

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


class Check(Protocol[C_contra, T_co]):
    """Anything that produces results (findings, hits) of `rules` from a context."""

    @property
    def rules(self) -> tuple[Rule, ...]: ...

    def run(self, ctx: C_contra) -> Iterable[T_co]: ...


@dataclass(frozen=True, slots=True)
class FunctionCheck(Generic[C, T]):
    """A check written as a function (the Dockerfile linter's)."""

    rules: tuple[Rule, ...]
    function: Callable[[C], Iterable[T]]

    @property
    def name(self) -> str:
        return self.function.__name__

    def run(self, ctx: C) -> Iterable[T]:
        return self.function(ctx)


class Checks(Generic[C, T]):
    """The checks of one kind, in registration order."""

    def __init__(self) -> None:
        self._items: list[Check[C, T]] = []

    def register(
        self, *rules: Rule
    ) -> Callable[[Callable[[C], Iterable[T]]], Callable[[C], Iterable[T]]]:
        """Decorator: the function is a check that may produce results of `rules`."""

        def deco(fn: Callable[[C], Iterable[T]]) -> Callable[[C], Iterable[T]]:
            self._items.append(FunctionCheck(rules, fn))
            return fn

        return deco

    def __iter__(self) -> Iterator[Check[C, T]]:
        return iter(tuple(self._items))


def _name(check: object) -> str:
    return check.name if isinstance(check, FunctionCheck) else type(check).__name__


def run_all(
    checks: Iterable[Check[C, T]], ctx: C, *, enabled: Callable[[Rule], bool], where: Location
) -> tuple[list[T], list[Unknown]]:
    """Every check whose rules are not all disabled, each guarded (see `run_guarded`)."""
    results: list[T] = []
    unknowns: list[Unknown] = []
    for check in checks:
        if check.rules and not any(enabled(rule) for rule in check.rules):
            continue
        found, crash = run_guarded(check.rules, _name(check), check.run, ctx, where)
        log.debug("%s: %d results", _name(check), len(found))
        results.extend(found)
        if crash is not None:
            unknowns.append(crash)
    return results, unknowns
