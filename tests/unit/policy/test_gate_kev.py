"""`--fail-on-kev`: any unignored vulnerability in CISA's KEV catalog fails the gate."""

from __future__ import annotations

import dataclasses

from caulk.match.interface import Vulnerability
from caulk.model import ScanResult, Severity, Target
from caulk.policy import gate

TARGET = Target(reference="r", transport="oci", digest="d", config_digest="c")
VULN = Vulnerability(
    id="CVE-2022-0492",
    aliases=(),
    package_name="linux",
    package_version="5.10.84-1",
    package_type="deb",
    purl="pkg:deb/debian/linux@5.10.84-1",
    ecosystem="Debian:11",
    severity=Severity.HIGH,
    severity_source="nvd",
    fix_state="fixed",
    kev="2026-06-02",
)


def test_fail_on_kev() -> None:
    result = ScanResult(target=TARGET, packages=(), vulnerabilities=(VULN,))
    assert gate(result, None).passed
    verdict = gate(result, None, fail_on_kev=True)
    assert verdict.reasons == (
        "1 known exploited vulnerabilities (CISA KEV, not ignored): CVE-2022-0492",
    )
    ignored = dataclasses.replace(VULN, ignored="VEX not_affected")
    quiet = dataclasses.replace(VULN, id="CVE-2024-1", kev=None)
    assert gate(
        ScanResult(target=TARGET, packages=(), vulnerabilities=(ignored, quiet)), None,
        fail_on_kev=True,
    ).passed  # fmt: skip
