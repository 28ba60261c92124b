"""Match an inventory against the advisory store: one matcher for every package type, the
version rules chosen by ecosystem (`match.version`), OSV range semantics (`match.ranges`), then
alias merging and severity."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from caulk.catalog.interface import Inventory, Package
from caulk.match.interface import FixState, Vulnerability
from caulk.match.ranges import Verdict, affected_status
from caulk.match.severity import severity_of
from caulk.match.version import VersionError, VersionScheme, scheme_for
from caulk.match.version.golang import TOOLCHAIN_PACKAGES, toolchain_semver
from caulk.model import Location, Unknown
from caulk.vulndb.interface import Advisory, AdvisoryStore, Affected
from caulk.vulndb.names import normalize_name

__all__ = ["MatchResult", "match_inventory", "match_package"]

log = logging.getLogger(__name__)

_ID_PRIORITY = ("CVE-", "GHSA-", "GO-", "PYSEC-", "RUSTSEC-", "DSA-", "DLA-", "ALPINE-")
_FIX_STATES: dict[str | None, FixState] = {
    None: "fixed",
    "fixed": "fixed",
    "affected": "not_fixed",
    "will_not_fix": "will_not_fix",
    "fix_deferred": "fix_deferred",
    "end_of_life": "end_of_life",
}


@dataclass(frozen=True, slots=True)
class MatchResult:
    vulnerabilities: tuple[Vulnerability, ...]
    unknowns: tuple[Unknown, ...]
    packages_matched: int  # packages whose ecosystem has version rules and was queried


@dataclass(frozen=True, slots=True)
class _Hit:
    advisory: Advisory
    affected: Affected
    verdict: Verdict

    @property
    def ids(self) -> frozenset[str]:
        return frozenset((self.advisory.id, *self.advisory.aliases))


def _rank(identifier: str) -> tuple[int, str]:
    for i, prefix in enumerate(_ID_PRIORITY):
        if identifier.startswith(prefix):
            return i, identifier
    return len(_ID_PRIORITY), identifier


def _groups(hits: list[_Hit]) -> list[list[_Hit]]:
    """Union hits whose identifiers overlap (CVE ⇄ GHSA ⇄ PYSEC …)."""
    groups: list[tuple[set[str], list[_Hit]]] = []
    for hit in hits:
        merged_ids, merged = set(hit.ids), [hit]
        rest = []
        for ids, members in groups:
            if ids & merged_ids:
                merged_ids |= ids
                merged += members
            else:
                rest.append((ids, members))
        groups = [*rest, (merged_ids, merged)]
    return [members for _, members in groups]


def _largest(versions: Iterable[str], scheme: VersionScheme) -> str | None:
    best: tuple[object, str] | None = None
    for text in versions:
        try:
            key = scheme.key(text)
        except VersionError:
            continue
        if best is None or best[0] < key:  # type: ignore[operator]
            best = (key, text)
    return best[1] if best else None


def _vulnerability(package: Package, group: list[_Hit], scheme: VersionScheme) -> Vulnerability:
    ids = sorted(set().union(*(h.ids for h in group)), key=_rank)
    cves = [i for i in ids if i.startswith("CVE-")]
    primary = cves[0] if len(cves) == 1 else ids[0]
    fixes = [h.verdict.fixed for h in group if h.verdict.fixed]
    fixed = _largest(fixes, scheme) if fixes else None
    open_states = [_FIX_STATES.get(h.verdict.status, "not_fixed") for h in group]
    fix_state: FixState = (
        "fixed" if fixed else next((s for s in open_states if s != "fixed"), "not_fixed")
    )
    rated = [severity_of(h.affected.severity + h.advisory.severity) for h in group]
    vendor = [r for r in rated if r[1] == "vendor"]
    severity, source, _ = max(vendor or rated, key=lambda r: r[0])
    cvss = tuple(sorted({v for r in rated for v in r[2]}))
    lead = min(group, key=lambda h: _rank(h.advisory.id))
    return Vulnerability(
        id=primary,
        aliases=tuple(i for i in ids if i != primary),
        package_name=package.name,
        package_version=package.version,
        package_type=package.type,
        purl=package.purl,
        ecosystem=package.ecosystem,
        severity=severity,
        severity_source=source,
        fix_state=fix_state,
        fixed_version=fixed,
        cvss=cvss,
        title=_title(lead, group),
        advisories=tuple(sorted({h.advisory.id for h in group}, key=_rank)),
        references=tuple(sorted({r for h in group for r in h.advisory.references}))[:10],
        location=package.locations[0] if package.locations else Location(),
        source_package=package.source_name if package.source_name != package.name else None,
    )


def _title(lead: _Hit, group: list[_Hit]) -> str:
    """The advisory's summary, else the first sentence of its details (PyPA records have no
    summary), at most 120 characters."""
    for hit in (lead, *group):
        text = hit.advisory.summary or hit.advisory.details.strip().split("\n\n")[0]
        text = " ".join(text.split())
        if text:
            sentence = text.split(". ")[0].rstrip(".")
            return sentence if len(sentence) <= 120 else sentence[:119] + "…"
    return ""


def match_package(
    package: Package, store: AdvisoryStore
) -> tuple[list[Vulnerability], Unknown | None]:
    try:
        scheme = scheme_for(package.ecosystem)
    except VersionError:
        return [], None  # no version rules (and so no advisories) for this ecosystem
    name = normalize_name(package.ecosystem, package.match_name)
    version = package.match_version
    if package.ecosystem == "Go" and name in TOOLCHAIN_PACKAGES:
        version = toolchain_semver(version) or version  # SBOMs write `1.19`, `v1.19`, `go1.19`
    hits: list[_Hit] = []
    not_understood: list[str] = []
    for advisory, affected in store.affecting(package.ecosystem, name):
        verdict = affected_status(version, affected, scheme)
        if verdict.affected:
            hits.append(_Hit(advisory, affected, verdict))
        elif verdict.unknown:
            not_understood.append(f"{advisory.id} ({verdict.reason})")
    unknown = None
    if not_understood:
        location = package.locations[0] if package.locations else Location()
        shown = "; ".join(not_understood[:3])
        more = f" and {len(not_understood) - 3} more" if len(not_understood) > 3 else ""
        unknown = Unknown(
            location,
            f"version not understood: {package.name} {version} ({package.ecosystem}); "
            f"advisories not evaluated: {shown}{more}",
        )
    return [_vulnerability(package, g, scheme) for g in _groups(hits)], unknown


def _order(v: Vulnerability) -> tuple[int, str, str, str, str]:
    return (-int(v.severity), v.package_name, v.package_version, v.id, v.location.path or "")


def match_inventory(inventory: Inventory, store: AdvisoryStore) -> MatchResult:
    vulnerabilities: list[Vulnerability] = []
    unknowns: list[Unknown] = []
    matched = 0
    for package in inventory.packages:
        found, unknown = match_package(package, store)
        matched += 1
        vulnerabilities.extend(found)
        if unknown is not None:
            unknowns.append(unknown)
    vulnerabilities.sort(
        key=lambda v: (
            -int(v.severity),
            v.package_name,
            v.package_version,
            v.id,
            v.location.path or "",
        )
    )
    return MatchResult(tuple(vulnerabilities), tuple(unknowns), matched)
