from __future__ import annotations

import dataclasses
from datetime import timedelta

from caulk.check.rules import Rule
from caulk.match.interface import Coverage, Unchecked, Vulnerability
from caulk.model import ScanResult, Severity, Target
from caulk.policy import gate
from caulk.vulndb.interface import SourceFreshness

RULE = Rule("CK-TEST-010", Severity.MEDIUM, "t", "r")
TARGET = Target(reference="r", transport="oci", digest="d", config_digest="c")


def test_gate_thresholds() -> None:
    result = ScanResult(target=TARGET, findings=(RULE.finding("x"),))
    assert gate(result, None).passed
    assert gate(result, Severity.HIGH).passed
    verdict = gate(result, Severity.MEDIUM)
    assert not verdict.passed
    assert verdict.reasons == ("CK-TEST-010: 1 finding(s) at or above MEDIUM",)
    assert not gate(result, Severity.LOW).passed


def _vuln(ident: str, severity: Severity, ignored: str | None = None) -> Vulnerability:
    return Vulnerability(
        id=ident,
        aliases=(),
        package_name="pyyaml",
        package_version="5.1",
        package_type="pypi",
        purl="pkg:pypi/pyyaml@5.1",
        ecosystem="PyPI",
        severity=severity,
        severity_source="" if severity is Severity.UNKNOWN else "CVSS_V3",
        fix_state="fixed",
        ignored=ignored,
    )


UNRATED = ScanResult(
    target=TARGET,
    vulnerabilities=(
        _vuln("CVE-2019-20477", Severity.UNKNOWN),
        _vuln("CVE-2020-1747", Severity.MEDIUM),
        _vuln("CVE-2099-0001", Severity.UNKNOWN, ignored="VEX not_affected"),
    ),
)


def test_unrated_vulnerability_fails_any_threshold_by_default() -> None:
    for threshold in (Severity.CRITICAL, Severity.HIGH, Severity.INFO):
        verdict = gate(UNRATED, threshold)
        assert not verdict.passed
        reason = verdict.reasons[-1]  # at INFO, the MEDIUM one fails too
        assert reason.startswith("1 vulnerabilities have no severity rating (CVE-2019-20477)")
        assert f"count as failing --fail-on {threshold.name}" in reason
    assert gate(UNRATED, None).passed  # no gate asked for, none applied


def test_unrated_as_sets_the_rule() -> None:
    assert gate(UNRATED, Severity.HIGH, unrated_as=Severity.MEDIUM).passed
    verdict = gate(UNRATED, Severity.MEDIUM, unrated_as=Severity.MEDIUM)
    assert verdict.reasons == (
        "1 vulnerabilities at or above MEDIUM (not ignored)",
        "1 vulnerabilities have no severity rating (CVE-2019-20477), taken as MEDIUM"
        " (--unrated-as), at or above MEDIUM",
    )


def test_ignored_unrated_vulnerability_does_not_fail() -> None:
    only_ignored = ScanResult(target=TARGET, vulnerabilities=UNRATED.vulnerabilities[2:])
    assert gate(only_ignored, Severity.CRITICAL).passed


def test_fail_on_unchecked() -> None:
    unchecked = Unchecked("bash", "5.2", "pkg:deb/debian/bash@5.2", "Debian:12", "no-data", "x")
    result = ScanResult(target=TARGET, coverage=Coverage(packages=3, unchecked=(unchecked,)))
    assert gate(result, None).passed
    verdict = gate(result, None, fail_on_unchecked=True)
    assert verdict.reasons == ("1 of 3 packages were not checked (1 no-data)",)
    whole = ScanResult(target=TARGET, coverage=Coverage(packages=3))
    assert gate(whole, None, fail_on_unchecked=True).passed


def _dated(date: str | None) -> SourceFreshness:
    basis = "newest record" if date else ""
    return SourceFreshness("osv:PyPI", date, basis, "2026-01-01T00:00:00+00:00", 10, ("PyPI",))


def test_fail_on_stale_db_measures_against_the_scan_clock() -> None:
    week = timedelta(days=7)
    fresh = ScanResult(
        target=TARGET, scanned_at="2026-01-08T00:00:00Z", advisory_data=(_dated("2026-01-02"),)
    )
    assert gate(fresh, None, fail_on_stale_db=week).passed
    old = dataclasses.replace(fresh, advisory_data=(_dated("2025-12-31T23:59:59Z"),))
    assert gate(old, None).passed  # only when asked
    (reason,) = gate(old, None, fail_on_stale_db=week).reasons
    assert "older than 7 days: osv:PyPI (data from 2025-12-31, 7 days old)" in reason
    undated = dataclasses.replace(fresh, advisory_data=(_dated(None),))
    (reason,) = gate(undated, None, fail_on_stale_db=week).reasons
    assert "osv:PyPI (carries no date)" in reason
