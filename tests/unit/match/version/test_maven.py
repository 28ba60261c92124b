"""Maven ComparableVersion semantics: apache/maven's own ComparableVersionTest vectors.

Since maven-artifact 3.x a digit/letter transition opens a sub-list like `-` does, so `1a` equals
`1-a` (and no longer `1.a`, as the oldest test file had it); the vectors follow that parser."""

from __future__ import annotations

import itertools

import pytest

from caulk.match.version import scheme_for

MAVEN = scheme_for("Maven")
# maven-artifact ComparableVersionTest (Apache-2.0), each list in ascending order.
VERSIONS_QUALIFIER = [
    "1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11",
    "1-rc", "1-cr2", "1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc", "1-def",
    "1-pom-1", "1-1-snapshot", "1-1", "1-2", "1-123",
]  # fmt: skip
VERSIONS_NUMBER = [
    "2.0", "2-1", "2.0.a", "2.0.0.a", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c",
    "2.1-1", "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11",
    "11", "11.a", "11b", "11c", "11m",
]  # fmt: skip
EQUAL = [
    ("1", "1"), ("1", "1.0"), ("1", "1.0.0"), ("1.0", "1.0.0"), ("1", "1-0"), ("1", "1.0-0"),
    ("1.0", "1.0-0"), ("1a", "1-a"), ("1a", "1.0-a"), ("1a", "1.0.0-a"), ("1.0a", "1-a"),
    ("1.0.0a", "1-a"), ("1x", "1-x"), ("1x", "1.0-x"), ("1x", "1.0.0-x"), ("1.0x", "1-x"),
    ("1.0.0x", "1-x"), ("1ga", "1"), ("1final", "1"),
    ("1cr", "1rc"), ("1a1", "1alpha1"), ("1b2", "1beta2"), ("1m3", "1milestone3"), ("1X", "1x"),
    ("1A", "1a"), ("1B", "1b"), ("1M", "1m"), ("1Ga", "1"), ("1GA", "1"), ("1Final", "1"),
    ("1FinaL", "1"), ("1FINAL", "1"), ("1Cr", "1Rc"), ("1cR", "1rC"), ("1m3", "1Milestone3"),
    ("1m3", "1MileStone3"), ("1m3", "1MILESTONE3"), ("1release", "1"),
    ("1-abcdefghijklmnopqrstuvwxyz", "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
]  # fmt: skip
ORDER = [
    ("1", "2"), ("1.5", "2"), ("1", "2.5"), ("1.0", "1.1"), ("1.1", "1.2"), ("1.0.0", "1.1"),
    ("1.0.1", "1.1"), ("1.1", "1.2.0"), ("1.0-alpha-1", "1.0"), ("1.0-alpha-1", "1.0-alpha-2"),
    ("1.0-alpha-1", "1.0-beta-1"), ("1.0-beta-1", "1.0-SNAPSHOT"), ("1.0-SNAPSHOT", "1.0"),
    ("1.0-alpha-1-SNAPSHOT", "1.0-alpha-1"), ("1.0", "1.0-1"), ("1.0-1", "1.0-2"),
    ("1.0.0", "1.0-1"), ("2.0-1", "2.0.1"), ("2.0.1-klm", "2.0.1-lmn"), ("2.0.1", "2.0.1-xyz"),
    ("2.0.1", "2.0.1-123"), ("2.0.1-xyz", "2.0.1-123"),
]  # fmt: skip


@pytest.mark.parametrize("versions", [VERSIONS_QUALIFIER, VERSIONS_NUMBER])
def test_ascending_lists(versions: list[str]) -> None:
    for low, high in itertools.combinations(versions, 2):
        assert MAVEN.compare(low, high) == -1, (low, high)
        assert MAVEN.compare(high, low) == 1, (high, low)


@pytest.mark.parametrize(("a", "b"), EQUAL)
def test_equal(a: str, b: str) -> None:
    assert MAVEN.compare(a, b) == 0


@pytest.mark.parametrize(("low", "high"), ORDER)
def test_order(low: str, high: str) -> None:
    assert MAVEN.compare(low, high) == -1
    assert MAVEN.compare(high, low) == 1
