"""Match an inventory against the advisory store: one matcher for every package type, the
version rules chosen by ecosystem (`match.version`), OSV range semantics (`match.ranges`), then
alias merging and severity.

A distribution notice that fixes several CVEs at once (DSA/DLA, USN, RHSA/ALSA/RLSA, ALAS, SUSE-SU…)
becomes one vulnerability per CVE, each keeping the notice among its aliases: an ignore or VEX
statement for one CVE then silences exactly that CVE, and the notice's id silences all of them.
rpm packages are only compared with advisories of their own module stream (`match.modules`);
Ubuntu packages are looked up in their release and its Ubuntu Pro stream (`vulndb.ecosystems`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from caulk.catalog.interface import Inventory, Package
from caulk.match.coverage import coverage_of
from caulk.match.interface import Coverage, FixState, Vulnerability
from caulk.match.modules import module_applies
from caulk.match.ranges import Verdict, affected_status
from caulk.match.severity import rate
from caulk.match.version import VersionError, VersionScheme, scheme_for
from caulk.match.version.golang import TOOLCHAIN_PACKAGES, toolchain_semver
from caulk.model import Location, Unknown
from caulk.vulndb.ecosystems import DISTRIBUTIONS, query_ecosystems
from caulk.vulndb.interface import Advisory, AdvisoryStore, Affected
from caulk.vulndb.metrics.cvss import score_vector
from caulk.vulndb.metrics.interface import CveSignals, MetricsLookup
from caulk.vulndb.names import base_ecosystem, normalize_name

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
    coverage: Coverage | None = None  # which packages could be checked, why the rest could not


_WEAKNESS = re.compile(r"(?:[A-Z]+-)?(CVE-\d{4}-\d+)")


@dataclass(frozen=True, slots=True)
class _Hit:
    advisory: Advisory
    affected: Affected
    verdict: Verdict
    weakness: str | None = None  # set on one CVE's share of a multi-CVE distribution notice

    @property
    def ids(self) -> frozenset[str]:
        named = (self.weakness,) if self.weakness else (self.advisory.id, *self.advisory.aliases)
        # UBUNTU-CVE-2022-0778, DEBIAN-CVE-… name the CVE itself
        cves = (m.group(1) for n in named if (m := _WEAKNESS.fullmatch(n)))
        return frozenset((*named, *cves))

    @property
    def names(self) -> frozenset[str]:
        """Every identifier the vulnerability is known by (the notice's id too)."""
        return self.ids | {self.advisory.id} if self.weakness is not None else self.ids


def _split(hit: _Hit, ecosystem: str) -> list[_Hit]:
    """One hit per CVE of a distribution notice naming several (aliases kept)."""
    advisory = hit.advisory
    if base_ecosystem(ecosystem) not in DISTRIBUTIONS or _WEAKNESS.fullmatch(advisory.id):
        return [hit]
    weaknesses = [a for a in advisory.aliases if _WEAKNESS.fullmatch(a)]
    if len({_WEAKNESS.fullmatch(w).group(1) for w in weaknesses}) < 2:  # type: ignore[union-attr]
        return [hit]
    return [_Hit(advisory, hit.affected, hit.verdict, w) for w in weaknesses]


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


def _signals(cves: list[str], lookup: MetricsLookup | None) -> list[CveSignals]:
    return [lookup.signals(c) for c in cves] if lookup is not None else []


def _vectors(group: list[_Hit], signals: list[CveSignals]) -> tuple[tuple[str, str, float], ...]:
    found = {(m.kind, m.vector, m.score) for s in signals for m in s.cvss}
    for hit in group:
        for item in hit.affected.severity + hit.advisory.severity:
            kind = item.type.upper()
            value = score_vector(kind, item.score) if kind.startswith("CVSS_") else None
            if value is not None:
                found.add((kind, item.score, value))
    return tuple(sorted(found))


def _ssvc(signals: list[CveSignals]) -> str:
    for s in signals:
        for d in sorted(s.ssvc, key=lambda d: d.origin != "adp:CISA-ADP"):
            return (
                f"Exploitation:{d.exploitation}/Automatable:{d.automatable}"
                f"/Technical Impact:{d.technical_impact}"
            )
    return ""


def _vulnerability(
    package: Package, group: list[_Hit], scheme: VersionScheme, lookup: MetricsLookup | None = None
) -> Vulnerability:
    ids = sorted(set().union(*(h.names for h in group)), key=_rank)
    cves = [i for i in ids if i.startswith("CVE-")]
    primary = cves[0] if len(cves) == 1 else ids[0]
    fixes = [h.verdict.fixed for h in group if h.verdict.fixed]
    fixed = _largest(fixes, scheme) if fixes else None
    open_states = [_FIX_STATES.get(h.verdict.status, "not_fixed") for h in group]
    fix_state: FixState = (
        "fixed" if fixed else next((s for s in open_states if s != "fixed"), "not_fixed")
    )
    signals = _signals(cves, lookup)
    rating = rate(
        package.ecosystem,
        [(h.advisory, h.affected.severity + h.advisory.severity) for h in group],
        signals,
    )
    kev = sorted(s.kev.date_added for s in signals if s.kev is not None)
    epss = max((s.epss for s in signals if s.epss is not None), key=lambda e: e.epss, default=None)
    lead = min(group, key=lambda h: _rank(h.advisory.id))
    return Vulnerability(
        id=primary,
        aliases=tuple(i for i in ids if i != primary),
        package_name=package.name,
        package_version=package.version,
        package_type=package.type,
        purl=package.purl,
        ecosystem=package.ecosystem,
        severity=rating.severity,
        severity_source=rating.source,
        fix_state=fix_state,
        fixed_version=fixed,
        cvss=_vectors(group, signals),
        title=_title(lead, group),
        advisories=tuple(sorted({h.advisory.id for h in group}, key=_rank)),
        references=tuple(sorted({r for h in group for r in h.advisory.references}))[:10],
        location=package.locations[0] if package.locations else Location(),
        source_package=package.source_name if package.source_name != package.name else None,
        cvss_score=rating.cvss_score,
        cvss_vector=rating.cvss_vector,
        cvss_source=rating.cvss_source,
        kev=kev[0] if kev else None,
        epss=epss.epss if epss else None,
        epss_percentile=epss.percentile if epss else None,
        ssvc=_ssvc(signals),
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
    for ecosystem in query_ecosystems(package.ecosystem, version):
        for advisory, affected in store.affecting(ecosystem, name):
            if scheme.name == "rpm" and not module_applies(package, advisory, affected):
                continue
            verdict = affected_status(version, affected, scheme)
            if verdict.affected:
                hits.extend(_split(_Hit(advisory, affected, verdict), package.ecosystem))
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
    # a plain attribute test: isinstance() against a runtime Protocol costs ~10 µs per package
    lookup = cast(MetricsLookup, store) if callable(getattr(store, "signals", None)) else None
    return [_vulnerability(package, g, scheme, lookup) for g in _groups(hits)], unknown


def match_inventory(inventory: Inventory, store: AdvisoryStore) -> MatchResult:
    vulnerabilities: list[Vulnerability] = []
    unknowns: list[Unknown] = []
    matched = 0
    not_understood: dict[int, str] = {}
    for index, package in enumerate(inventory.packages):
        found, unknown = match_package(package, store)
        matched += 1
        vulnerabilities.extend(found)
        if unknown is not None:
            unknowns.append(unknown)
            not_understood[index] = unknown.reason
    vulnerabilities.sort(  # by risk: known exploited, severity, EPSS
        key=lambda v: (
            *v.risk_key,
            v.package_name,
            v.package_version,
            v.id,
            v.location.path or "",
        )
    )
    coverage = coverage_of(inventory, store, not_understood)
    return MatchResult(tuple(vulnerabilities), tuple(unknowns), matched, coverage)
