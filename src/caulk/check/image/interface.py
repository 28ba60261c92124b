"""The contract of image checks: a check declares its rules and the file analyzers it needs, and
turns an `ImageContext` into findings. Checks are pure: no IO beyond what the context offers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from caulk.check.rules import Check
from caulk.fs.efficiency import Efficiency
from caulk.fs.interface import FileAnalyzer, LayerView
from caulk.model import Finding
from caulk.source.interface import Image

__all__ = ["CheckOptions", "ImageCheck", "ImageContext"]


@dataclass(frozen=True, slots=True)
class CheckOptions:
    allow_paths: frozenset[str] = frozenset()  # absolute paths exempt from shell/tool/setuid checks
    # tool names (e.g. "curl") exempt from CK-IMG tool checks
    allow_tools: frozenset[str] = frozenset()
    # dive --ci thresholds and dive 0.13's defaults; None = "disabled" (as in `.dive-ci`)
    lowest_efficiency: float | None = 0.9
    highest_wasted_bytes: int | None = None
    highest_user_wasted_percent: float | None = 0.1
    disabled_rules: frozenset[str] = frozenset()
    # CK-IMG-013 for every tag, not only none/`latest` (where policy expects digests)
    require_digest: bool = False


@dataclass(frozen=True, slots=True)
class ImageContext:
    image: Image
    view: LayerView
    options: CheckOptions = field(default_factory=CheckOptions)
    efficiency: Efficiency | None = None  # computed once by the orchestrator, else by the check


class ImageCheck(Check[ImageContext, Finding], Protocol):
    """A `check.rules.Check` over an image that also names the file analyzers it needs."""

    @property
    def analyzers(self) -> tuple[FileAnalyzer, ...]: ...
