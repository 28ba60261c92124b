"""CK-IMG-022: the image config has no HEALTHCHECK (dockle's CIS-DI-0006). `HEALTHCHECK NONE`
(`Test: ["NONE"]`) says there is none on purpose and is not reported."""

from __future__ import annotations

from collections.abc import Iterator

from caulk.check.image.interface import ImageContext
from caulk.check.image.rules import NO_HEALTHCHECK
from caulk.check.rules import Rule
from caulk.fs.interface import FileAnalyzer
from caulk.model import Finding, Location

__all__ = ["HealthcheckCheck"]


class HealthcheckCheck:
    rules: tuple[Rule, ...] = (NO_HEALTHCHECK,)
    analyzers: tuple[FileAnalyzer, ...] = ()

    def run(self, ctx: ImageContext) -> Iterator[Finding]:
        if ctx.image.transport == "dir":
            return  # a root filesystem has no config to carry one
        if not ctx.image.config.healthcheck:
            yield NO_HEALTHCHECK.finding(
                "the image config has no HEALTHCHECK", Location(field="config.Healthcheck")
            )
