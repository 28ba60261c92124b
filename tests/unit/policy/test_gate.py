from __future__ import annotations

from caulk.check.registry import Rule
from caulk.model import ScanResult, Severity, Target
from caulk.policy import gate

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


def test_gate_ignores_unknown_severity_below_low() -> None:
    unknown = RULE.finding("x", severity=Severity.UNKNOWN)
    assert gate(ScanResult(target=TARGET, findings=(unknown,)), Severity.INFO).passed
