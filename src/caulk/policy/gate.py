"""The `--fail-on` gate: a pure function of the result."""

from __future__ import annotations

from dataclasses import dataclass

from caulk.model import ScanResult, Severity

__all__ = ["Verdict", "gate"]


@dataclass(frozen=True, slots=True)
class Verdict:
    passed: bool
    reasons: tuple[str, ...] = ()


def gate(result: ScanResult, fail_on: Severity | None) -> Verdict:
    """Fail when any finding is at or above `fail_on` (None: never fail)."""
    if fail_on is None:
        return Verdict(True)
    hits = [f for f in result.findings if f.severity >= fail_on]
    if not hits:
        return Verdict(True)
    by_rule: dict[str, int] = {}
    for f in hits:
        by_rule[f.rule_id] = by_rule.get(f.rule_id, 0) + 1
    reasons = tuple(
        f"{rule}: {n} finding(s) at or above {fail_on.name}" for rule, n in by_rule.items()
    )
    return Verdict(False, reasons)
