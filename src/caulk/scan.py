"""The one orchestrator: reference → image → layer view → checks, catalog, matching → `ScanResult`.

The CLI and `signing.predicate` call `scan_image`; nothing here prints. The clock, the advisory
store and the progress sink are injected.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from caulk import __version__
from caulk.catalog import analyzers_for as catalog_analyzers
from caulk.catalog import build_inventory
from caulk.catalog.interface import Inventory
from caulk.check.image import ALL_CHECKS, analyzers_for, run_checks
from caulk.check.image.interface import CheckOptions, ImageContext
from caulk.fs.cache import LayerCache
from caulk.fs.efficiency import Efficiency, compute_efficiency
from caulk.fs.view import MergedView, build_view
from caulk.match.ignore import IgnoreFile, apply_ignores
from caulk.match.interface import Coverage, Vulnerability
from caulk.model import Finding, ScanResult, Target, Unknown
from caulk.policy.freshness import DEFAULT_MAX_DB_AGE, describe_stale, stale_sources
from caulk.registry.options import DEFAULT_OPTIONS, RegistryOptions
from caulk.source import open_image
from caulk.source.interface import Image, Platform

if TYPE_CHECKING:
    from caulk.match.vex import VexStatement
    from caulk.vulndb.interface import AdvisoryStore, SourceFreshness

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
    hygiene: bool = True
    vulnerabilities: bool = True  # catalog packages and match them
    match: bool = True  # False: catalog only (SBOM generation), no advisory lookups
    store: AdvisoryStore | None = None  # None: `vulndb.load_store()` (user DB, else embedded)
    ignore_unfixed: bool = False
    ignores: IgnoreFile = field(default_factory=IgnoreFile)
    vex: tuple[VexStatement, ...] = ()
    dockerfile: Path | None = None  # lint it and merge its findings into the report
    # Per-layer index cache, None = read every layer; the user's is `LayerCache.open_default()`
    # (the CLI passes it unless --no-cache).
    cache: LayerCache | None = None
    max_db_age: timedelta = DEFAULT_MAX_DB_AGE  # older advisory data gets a warning
    registry: RegistryOptions = DEFAULT_OPTIONS  # for a registry reference


def target_of(image: Image, size: int = 0) -> Target:
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
        size=size,
    )


def _notices(inventory: Inventory, store: AdvisoryStore) -> list[str]:
    from caulk.vulndb import SqliteStore
    from caulk.vulndb.defaults import embedded_notice

    notices = []
    distro = inventory.distro
    if distro is not None and distro.is_eol:
        name = distro.pretty_name or f"{distro.id} {distro.version_id}"
        notices.append(f"{name} reached end of life on {distro.eol}: it gets no security fixes")
    if not inventory.packages:
        notices.append(
            "no packages were catalogued (no dpkg/apk/rpm database, no language packages found):"
            " an empty vulnerability list here means nothing was checked"
        )
    if isinstance(store, SqliteStore) and (embedded := embedded_notice(store)):
        notices.append(embedded)
    known = set(store.ecosystems())
    missing = sorted({p.ecosystem for p in inventory.packages} - known)
    for ecosystem in missing:
        count = sum(1 for p in inventory.packages if p.ecosystem == ecosystem)
        notices.append(
            f"the advisory database has no data for {ecosystem}: {count} package(s) not checked"
            " (run `caulk db update` or `caulk db import`)"
        )
    return notices


@dataclass(frozen=True, slots=True)
class _Matched:
    vulnerabilities: tuple[Vulnerability, ...]
    unknowns: tuple[Unknown, ...]
    notices: list[str]
    coverage: Coverage | None
    advisory_data: tuple[SourceFreshness, ...]


def _matched_sources(inventory: Inventory, store: AdvisoryStore) -> tuple[SourceFreshness, ...]:
    """The imported sources holding data for an ecosystem of the inventory."""
    wanted = {p.ecosystem for p in inventory.packages}
    return tuple(s for s in store.freshness() if wanted.intersection(s.ecosystems))


def _vulnerabilities(
    inventory: Inventory, image_ids: frozenset[str], options: ScanOptions, now: datetime
) -> _Matched:
    from caulk.match.matcher import match_inventory
    from caulk.match.vex import apply_vex
    from caulk.vulndb import load_store

    store = options.store or load_store()
    matched = match_inventory(inventory, store)
    sources = _matched_sources(inventory, store)
    stale = stale_sources(sources, now, options.max_db_age)
    freshness = [describe_stale(stale, options.max_db_age)] if stale else []
    vulns = apply_vex(options.vex, matched.vulnerabilities, image_ids)
    if options.ignore_unfixed:
        vulns = tuple(
            v
            if v.fix_state == "fixed" or v.ignored
            else dataclasses.replace(v, ignored="no fix available (--ignore-unfixed)")
            for v in vulns
        )
    notices = [*_notices(inventory, store), *freshness]
    return _Matched(vulns, matched.unknowns, notices, matched.coverage, sources)


def _lint(path: Path) -> tuple[tuple[Finding, ...], tuple[Unknown, ...]]:
    """Lint the Dockerfile the image was built from, with the `.caulk.yaml`/`.hadolint.yaml`
    found beside it."""
    from caulk.check.dockerfile import LintConfig, lint_path
    from caulk.check.dockerfile.config import find_config, load_config

    config_path = find_config(path.parent)
    result = lint_path(path, config=load_config(config_path) if config_path else LintConfig())
    return result.findings, result.unknowns


@dataclass(frozen=True, slots=True)
class _Read:
    """What reading the target gave: the image's own findings and its inventory."""

    target: Target
    findings: tuple[Finding, ...] = ()
    unknowns: tuple[Unknown, ...] = ()
    efficiency: Efficiency | None = None
    inventory: Inventory | None = None
    image_ids: frozenset[str] = frozenset()


def _efficiency(image: Image, view: MergedView, cache: LayerCache | None) -> Efficiency:
    """dive's numbers (~0.5 s on 40k files), cached per image once its layers were verified."""
    if cache is None:
        return compute_efficiency(view)
    layers = [(layer.diff_id, layer.descriptor.digest) for layer in image.layers]
    found = cache.get_derived("efficiency", layers)
    if isinstance(found, Efficiency):
        return found
    efficiency = compute_efficiency(view)
    cache.put_derived("efficiency", layers, efficiency)
    return efficiency


def _read_image(
    reference: str, options: ScanOptions, now: datetime, progress: Progress | None
) -> _Read:
    checks = ALL_CHECKS if options.hygiene else ()
    analyzers = analyzers_for(checks) if checks else ()
    if options.vulnerabilities:
        analyzers = (*analyzers, *catalog_analyzers())
    findings: tuple[Finding, ...] = ()
    check_unknowns: tuple[Unknown, ...] = ()
    inventory: Inventory | None = None
    with open_image(reference, platform=options.platform, registry=options.registry) as image:
        cache = options.cache
        view = build_view(image, analyzers, workers=options.workers, progress=progress, cache=cache)
        efficiency = _efficiency(image, view, cache) if checks else None
        if checks:
            ctx = ImageContext(image, view, options.checks, efficiency)
            run = run_checks(ctx, checks)
            findings, check_unknowns = run.findings, run.unknowns
        if options.vulnerabilities:
            inventory = build_inventory(view, now.date())
        return _Read(
            target=target_of(image, sum(layer.tar_size for layer in view.layers)),
            findings=findings,
            unknowns=(
                *view.unknowns(),
                *check_unknowns,
                *(inventory.unknowns if inventory else ()),
            ),
            efficiency=efficiency,
            inventory=inventory,
            image_ids=frozenset({image.digest, image.config_descriptor.digest}),
        )


def _read_sbom(path: str) -> _Read:
    """`sbom:FILE`: a stored CycloneDX/SPDX SBOM re-matched without reading the image."""
    from caulk.sbom import read_sbom

    inventory, target = read_sbom(path)
    ids = frozenset(d for d in (target.digest, target.config_digest) if d)
    return _Read(target=target, unknowns=inventory.unknowns, inventory=inventory, image_ids=ids)


def scan_image(
    reference: str,
    options: ScanOptions | None = None,
    *,
    clock: Callable[[], datetime] = _utc_now,
    progress: Progress | None = None,
) -> ScanResult:
    """Scan an image reference (any transport, see `caulk.source`) or `sbom:FILE`."""
    options = options or ScanOptions()
    now = clock()
    if reference.startswith("sbom:"):
        read = _read_sbom(reference.removeprefix("sbom:"))
    else:
        read = _read_image(reference, options, now, progress)
    findings, unknowns = read.findings, read.unknowns
    vulns: tuple[Vulnerability, ...] = ()
    notices: list[str] = []
    matched: _Matched | None = None
    if options.vulnerabilities and options.match and read.inventory is not None:
        matched = _vulnerabilities(read.inventory, read.image_ids, options, now)
        vulns, notices = matched.vulnerabilities, matched.notices
        unknowns = (*unknowns, *matched.unknowns)
    if options.dockerfile is not None:
        lint_findings, lint_unknowns = _lint(options.dockerfile)
        findings = (*findings, *lint_findings)
        unknowns = (*unknowns, *lint_unknowns)
    vulns, findings, expired = apply_ignores(options.ignores, vulns, findings, now.date())
    log.debug("scanned %s: %d findings, %d vulnerabilities", reference, len(findings), len(vulns))
    return ScanResult(
        target=read.target,
        findings=findings,
        unknowns=unknowns,
        efficiency=read.efficiency,
        scanned_at=now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        caulk_version=__version__,
        distro=read.inventory.distro if read.inventory else None,
        packages=read.inventory.packages if read.inventory else None,
        vulnerabilities=vulns,
        notices=(*notices, *expired),
        coverage=matched.coverage if matched else None,
        advisory_data=matched.advisory_data if matched else (),
    )
