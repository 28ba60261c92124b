"""CycloneDX VEX: the image's SBOM (see `caulk.sbom`) plus `vulnerabilities[]`.

Each vulnerability names its source, CVSS ratings with vectors, the component it affects (by
the same bom-ref as in the SBOM) and an analysis: `exploitable` for an active finding,
`not_affected` for an ignored one (the ignore or VEX reason as detail), `resolved` when a VEX
statement said it was fixed. A fixed version becomes the `recommendation`.
"""

from __future__ import annotations

from decimal import Decimal

from cyclonedx.model import Property, XsUri
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.impact_analysis import (
    ImpactAnalysisAffectedStatus,
    ImpactAnalysisJustification,
    ImpactAnalysisResponse,
    ImpactAnalysisState,
)
from cyclonedx.model.vulnerability import (
    BomTarget,
    BomTargetVersionRange,
    VulnerabilityAdvisory,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilityScoreSource,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.model.vulnerability import (
    Vulnerability as CdxVulnerability,
)
from packageurl import PackageURL

from caulk.match.interface import Vulnerability
from caulk.model import ScanResult, Severity
from caulk.sbom.cyclonedx_out import BomParts, build_bom, serialize
from caulk.sbom.properties import location_properties
from caulk.sbom.refs import component_id, component_ref

__all__ = ["render_cyclonedx_vex"]

_SOURCES = (  # id prefix → (name, URL template)
    ("CVE-", "NVD", "https://nvd.nist.gov/vuln/detail/{}"),
    ("GHSA-", "GitHub", "https://github.com/advisories/{}"),
    ("GO-", "Go Vulnerability Database", "https://pkg.go.dev/vuln/{}"),
    ("PYSEC-", "PyPA Advisory Database", "https://osv.dev/vulnerability/{}"),
    ("DSA-", "Debian", "https://security-tracker.debian.org/tracker/{}"),
    ("DLA-", "Debian", "https://security-tracker.debian.org/tracker/{}"),
)
_SEVERITIES = {
    Severity.CRITICAL: VulnerabilitySeverity.CRITICAL,
    Severity.HIGH: VulnerabilitySeverity.HIGH,
    Severity.MEDIUM: VulnerabilitySeverity.MEDIUM,
    Severity.LOW: VulnerabilitySeverity.LOW,
    Severity.INFO: VulnerabilitySeverity.INFO,
    Severity.UNKNOWN: VulnerabilitySeverity.UNKNOWN,
}
_JUSTIFICATIONS = (  # OpenVEX justification → CycloneDX
    ("component_not_present", ImpactAnalysisJustification.CODE_NOT_PRESENT),
    ("vulnerable_code_not_present", ImpactAnalysisJustification.CODE_NOT_PRESENT),
    ("vulnerable_code_not_in_execute_path", ImpactAnalysisJustification.CODE_NOT_REACHABLE),
    ("inline_mitigations_already_exist", ImpactAnalysisJustification.PROTECTED_AT_RUNTIME),
    ("cannot_be_controlled_by_adversary", ImpactAnalysisJustification.REQUIRES_ENVIRONMENT),
)


def render_cyclonedx_vex(result: ScanResult, color: bool) -> bytes:
    del color  # JSON has no colour
    parts = build_bom(result)
    refs = _package_refs(result)
    for vuln in result.vulnerabilities:
        key = (vuln.purl, vuln.location.path, vuln.location.layer_digest)
        ref = refs.get(key) or _add_component(parts, vuln)
        parts.bom.vulnerabilities.add(_vulnerability(vuln, ref))
    return serialize(parts.bom, result, None)


def _package_refs(result: ScanResult) -> dict[tuple[str, str | None, str | None], str]:
    """Every location of every package → the bom-ref of its component."""
    refs: dict[tuple[str, str | None, str | None], str] = {}
    for package in result.packages or ():
        if not package.locations:
            continue
        ref = component_ref(package.purl, package.locations[0])
        for location in package.locations:
            refs.setdefault((package.purl, location.path, location.layer_digest), ref)
    return refs


def _add_component(parts: BomParts, vuln: Vulnerability) -> str:
    """A vulnerable package the result has no inventory entry for still gets a component."""
    ref = component_ref(vuln.purl, vuln.location)
    if ref not in parts.by_ref:
        try:
            purl: PackageURL | None = PackageURL.from_string(vuln.purl)
        except ValueError:
            purl = None
        component = Component(
            type=ComponentType.LIBRARY,
            bom_ref=ref,
            name=vuln.package_name,
            version=vuln.package_version,
            purl=purl,
            properties=[
                Property(name=k, value=v) for k, v in location_properties(0, vuln.location)
            ],
        )
        parts.by_ref[ref] = component
        parts.bom.components.add(component)
        parts.bom.register_dependency(parts.image, [component])
        parts.bom.register_dependency(component, ())
    return ref


def _vulnerability(vuln: Vulnerability, ref: str) -> CdxVulnerability:
    recommendation = None
    if vuln.fixed_version:
        recommendation = f"Upgrade {vuln.package_name} to {vuln.fixed_version} or later."
    properties = [
        Property(name="caulk:fix-state", value=vuln.fix_state),
        Property(name="caulk:severity", value=vuln.severity.name),
        Property(name="caulk:ecosystem", value=vuln.ecosystem),
    ]
    if vuln.severity_source:
        properties.append(Property(name="caulk:severity-source", value=vuln.severity_source))
    if vuln.cvss_score is not None:
        properties += [
            Property(name="caulk:cvss-score", value=f"{vuln.cvss_score:.1f}"),
            Property(name="caulk:cvss-vector", value=vuln.cvss_vector),
            Property(name="caulk:cvss-source", value=vuln.cvss_source),
        ]
    if vuln.kev:
        properties.append(Property(name="caulk:kev-date-added", value=vuln.kev))
    if vuln.epss is not None:
        properties.append(Property(name="caulk:epss", value=f"{vuln.epss}"))
        properties.append(Property(name="caulk:epss-percentile", value=f"{vuln.epss_percentile}"))
    if vuln.source_package:
        properties.append(Property(name="caulk:source-package", value=vuln.source_package))
    properties += [Property(name="caulk:advisory", value=a) for a in vuln.advisories]
    status = (
        ImpactAnalysisAffectedStatus.AFFECTED
        if vuln.ignored is None
        else ImpactAnalysisAffectedStatus.UNAFFECTED
    )
    return CdxVulnerability(
        bom_ref=f"{vuln.id}:{component_id(vuln.purl, vuln.location)}",
        id=vuln.id,
        source=_source(vuln.id),
        references=[VulnerabilityReference(id=a, source=_source(a)) for a in vuln.aliases],
        ratings=_ratings(vuln),
        description=vuln.title or None,
        recommendation=recommendation,
        advisories=_advisories(vuln.references),
        analysis=_analysis(vuln),
        affects=[
            BomTarget(
                ref=ref,
                versions=[BomTargetVersionRange(version=vuln.package_version, status=status)],
            )
        ],
        properties=properties,
    )


def _source(identifier: str) -> VulnerabilitySource:
    for prefix, name, url in _SOURCES:
        if identifier.startswith(prefix):
            return VulnerabilitySource(name=name, url=XsUri(url.format(identifier)))
    return VulnerabilitySource(name="OSV", url=XsUri(f"https://osv.dev/vulnerability/{identifier}"))


def _ratings(vuln: Vulnerability) -> list[VulnerabilityRating]:
    ratings = []
    for kind, vector, score in vuln.cvss:
        method = VulnerabilityScoreSource.get_from_vector(vector)
        if method is VulnerabilityScoreSource.OTHER and kind == "CVSS_V2":
            method = VulnerabilityScoreSource.CVSS_V2
        ratings.append(
            VulnerabilityRating(
                score=Decimal(str(score)),
                severity=_score_severity(kind, score),
                method=method,
                vector=vector,
            )
        )
    label = vuln.cvss_score is None or vuln.cvss_source != vuln.severity_source
    if label or not ratings:  # a vendor's label (or nothing) decided, not a CVSS vector
        ratings.append(
            VulnerabilityRating(
                source=VulnerabilitySource(name=vuln.severity_source)
                if vuln.severity_source
                else None,
                severity=_SEVERITIES[vuln.severity],
                method=VulnerabilityScoreSource.OTHER,
                justification=f"severity from {vuln.severity_source}"
                if vuln.severity_source
                else "no rating from any source",
            )
        )
    return ratings


def _score_severity(kind: str, score: float) -> VulnerabilitySeverity:
    if kind == "CVSS_V2":  # v2 has no critical and no none
        bands = ((7.0, VulnerabilitySeverity.HIGH), (4.0, VulnerabilitySeverity.MEDIUM))
        return next((s for floor, s in bands if score >= floor), VulnerabilitySeverity.LOW)
    for floor, severity in (
        (9.0, VulnerabilitySeverity.CRITICAL),
        (7.0, VulnerabilitySeverity.HIGH),
        (4.0, VulnerabilitySeverity.MEDIUM),
        (0.1, VulnerabilitySeverity.LOW),
    ):
        if score >= floor:
            return severity
    return VulnerabilitySeverity.NONE


def _advisories(urls: tuple[str, ...]) -> list[VulnerabilityAdvisory]:
    out = []
    for url in urls:
        try:
            out.append(VulnerabilityAdvisory(url=XsUri(url)))
        except ValueError:  # not a URI: drop it from the advisories list only
            continue
    return out


def _analysis(vuln: Vulnerability) -> VulnerabilityAnalysis:
    if vuln.ignored is None:
        responses = []
        if vuln.fixed_version:
            responses.append(ImpactAnalysisResponse.UPDATE)
        elif vuln.fix_state == "will_not_fix":
            responses.append(ImpactAnalysisResponse.WILL_NOT_FIX)
        return VulnerabilityAnalysis(
            state=ImpactAnalysisState.EXPLOITABLE,
            responses=responses,
            detail=f"installed version affected; fix state: {vuln.fix_state}",
        )
    if vuln.ignored.startswith(("VEX fixed", "VEX resolved")):
        return VulnerabilityAnalysis(state=ImpactAnalysisState.RESOLVED, detail=vuln.ignored)
    justification = next((j for key, j in _JUSTIFICATIONS if key in vuln.ignored), None)
    return VulnerabilityAnalysis(
        state=ImpactAnalysisState.NOT_AFFECTED, justification=justification, detail=vuln.ignored
    )
