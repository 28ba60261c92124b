"""Image hygiene checks (CK-IMG-…): what the guide says must go from a container image.

    view = build_view(image, analyzers_for(ALL_CHECKS))
    run = run_checks(ImageContext(image, view, options))  # run.findings, run.unknowns

Each check is an `ImageCheck` (see `interface`); rules live in `rules`, one docs page per ID under
docs/rules/.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from caulk.check.image.accounts import AccountsCheck
from caulk.check.image.capabilities import CapabilityCheck
from caulk.check.image.dive_ci import load_dive_ci
from caulk.check.image.efficiency import EfficiencyCheck
from caulk.check.image.healthcheck import HealthcheckCheck
from caulk.check.image.history import HistoryCheck
from caulk.check.image.interface import CheckOptions, ImageCheck, ImageContext
from caulk.check.image.leftovers import LeftoversCheck
from caulk.check.image.reference import ReferenceCheck
from caulk.check.image.secrets import SecretConfigCheck, SecretFileCheck
from caulk.check.image.setuid import SetuidCheck
from caulk.check.image.tools import ToolsCheck
from caulk.check.image.user import UserCheck
from caulk.check.image.worldwritable import WorldWritableCheck
from caulk.check.rules import run_all
from caulk.fs.interface import FileAnalyzer
from caulk.model import Finding, Location, Unknown

__all__ = [
    "ALL_CHECKS",
    "CheckOptions",
    "CheckRun",
    "ImageCheck",
    "ImageContext",
    "analyzers_for",
    "load_dive_ci",
    "run_checks",
    "sort_key",
]

log = logging.getLogger(__name__)

ALL_CHECKS: tuple[ImageCheck, ...] = (
    SetuidCheck(),
    ToolsCheck(),
    UserCheck(),
    SecretFileCheck(),
    SecretConfigCheck(),
    LeftoversCheck(),
    WorldWritableCheck(),
    HistoryCheck(),
    ReferenceCheck(),
    EfficiencyCheck(),
    CapabilityCheck(),
    AccountsCheck(),
    HealthcheckCheck(),
)


def analyzers_for(checks: Iterable[ImageCheck]) -> tuple[FileAnalyzer, ...]:
    """The file analyzers the checks need, each once (by name), in check order."""
    seen: dict[str, FileAnalyzer] = {}
    for check in checks:
        for analyzer in check.analyzers:
            seen.setdefault(analyzer.name, analyzer)
    return tuple(seen.values())


def sort_key(finding: Finding) -> tuple[str, str, int, str, int, str]:
    loc = finding.location
    return (
        finding.rule_id,
        loc.path or "",
        -1 if loc.layer is None else loc.layer,
        loc.field or "",
        loc.line or 0,
        finding.message,
    )


@dataclass(frozen=True, slots=True)
class CheckRun:
    findings: tuple[Finding, ...]  # sorted by `sort_key`
    unknowns: tuple[Unknown, ...] = ()  # one per check that raised, naming its rules


def run_checks(ctx: ImageContext, checks: Iterable[ImageCheck] = ALL_CHECKS) -> CheckRun:
    """Run the checks whose rules are not all disabled; findings of disabled rules are dropped;
    findings are sorted by rule ID, path, layer, field, line, message. A check that raises gives
    one unknown naming its rules instead of findings, and the others still run."""
    disabled = ctx.options.disabled_rules
    found, unknowns = run_all(
        checks, ctx, enabled=lambda rule: rule.id not in disabled, where=Location()
    )
    findings = [f for f in found if f.rule_id not in disabled]
    return CheckRun(tuple(sorted(findings, key=sort_key)), tuple(unknowns))
