"""The one orchestrator: reference → image → layer view → checks → `ScanResult`.

CLI and server call `scan_image`; nothing here prints. The clock and progress sink are injected.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from caulk import __version__
from caulk.check.image import ALL_CHECKS, analyzers_for, run_checks
from caulk.check.image.interface import CheckOptions, ImageContext
from caulk.fs.efficiency import compute_efficiency
from caulk.fs.view import build_view
from caulk.model import ScanResult, Target
from caulk.source import open_image
from caulk.source.interface import Image, Platform

__all__ = ["ScanOptions", "scan_image", "target_of"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ScanOptions:
    platform: Platform | None = None
    checks: CheckOptions = field(default_factory=CheckOptions)
    workers: int = 2


def target_of(image: Image) -> Target:
    return Target(
        reference=image.reference,
        transport=image.transport,
        digest=image.digest,
        config_digest=image.config_descriptor.digest,
        manifest_digest=image.manifest_digest,
        tag=image.tag,
        os=image.config.os or image.platform.os,
        architecture=image.config.architecture or image.platform.architecture,
        layer_count=len(image.layers),
    )


def scan_image(
    reference: str,
    options: ScanOptions | None = None,
    *,
    clock: Callable[[], datetime] = _utc_now,
    progress: Progress | None = None,
) -> ScanResult:
    options = options or ScanOptions()
    checks = ALL_CHECKS
    with open_image(reference, platform=options.platform) as image:
        view = build_view(image, analyzers_for(checks), workers=options.workers, progress=progress)
        efficiency = compute_efficiency(view)
        findings = run_checks(ImageContext(image, view, options.checks, efficiency), checks)
        target = target_of(image)
        size = sum(layer.tar_size for layer in view.layers)
    log.debug("scanned %s: %d findings", reference, len(findings))
    return ScanResult(
        target=replace(target, size=size),
        findings=tuple(findings),
        unknowns=view.unknowns(),
        efficiency=efficiency,
        scanned_at=clock().isoformat(timespec="seconds").replace("+00:00", "Z"),
        caulk_version=__version__,
    )
