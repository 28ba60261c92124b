"""The `--fail-on` gate: a pure function of the result. Ignored vulnerabilities (ignore file,
VEX, `--ignore-unfixed`) never trip it; `exit_on_eol` fails on an end-of-life distro,
`fail_on_kev` on any vulnerability CISA lists as known exploited.

Unrated vulnerabilities fail `--fail-on` unless `unrated_as` rates them; `fail_on_unchecked` fails
when packages were not checked; `fail_on_stale_db` when the data is older than that age (see
`policy.blind_spots`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from caulk.model import ScanResult, Severity
from caulk.policy.blind_spots import stale_reasons, unchecked_reasons, unrated_reasons

__all__ = ["Verdict", "gate"]


@dataclass(frozen=True, slots=True)
class Verdict:
    passed: bool
    reasons: tuple[str, ...] = ()


def gate(
    result: ScanResult,
    fail_on: Severity | None,
    *,
    exit_on_eol: bool = False,
    unrated_as: Severity | None = None,
    fail_on_unchecked: bool = False,
    fail_on_stale_db: timedelta | None = None,
    fail_on_kev: bool = False,
) -> Verdict:
    """Fail when any finding or unignored vulnerability is at or above `fail_on` (None: never;
    unrated ones count as failing unless `unrated_as` rates them), or, with `exit_on_eol`, when
    the distro is past its end of life, or on unchecked packages / stale data / known exploited
    vulnerabilities when asked."""
    reasons: list[str] = []
    if fail_on is not None:
        hits = Counter(f.rule_id for f in result.findings if f.severity >= fail_on)
        reasons += [
            f"{rule}: {n} finding(s) at or above {fail_on.name}" for rule, n in hits.items()
        ]
        vulns = [v for v in result.vulnerabilities if v.ignored is None and v.severity >= fail_on]
        if vulns:
            reasons.append(f"{len(vulns)} vulnerabilities at or above {fail_on.name} (not ignored)")
    reasons += unrated_reasons(result, fail_on, unrated_as)
    if fail_on_unchecked:
        reasons += unchecked_reasons(result)
    if fail_on_stale_db is not None:
        reasons += stale_reasons(result, fail_on_stale_db)
    if fail_on_kev:
        kev = sorted({v.id for v in result.vulnerabilities if v.ignored is None and v.kev})
        if kev:
            shown = ", ".join(kev[:5]) + (f" and {len(kev) - 5} more" if len(kev) > 5 else "")
            reasons.append(
                f"{len(kev)} known exploited vulnerabilities (CISA KEV, not ignored): {shown}"
            )
    if exit_on_eol and result.distro is not None and result.distro.is_eol:
        reasons.append(
            f"{result.distro.id} {result.distro.version_id} is end of life ({result.distro.eol})"
        )
    return Verdict(not reasons, tuple(reasons))
