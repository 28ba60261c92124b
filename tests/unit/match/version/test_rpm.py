"""rpm ordering against rpm itself: its own vectors and real RHEL/Fedora EVRs."""

from __future__ import annotations

import itertools
import sys

import pytest

from caulk.match.version import VersionError, scheme_for
from tests.unit.match.corpora import VERSIONS, pairs

RPM = scheme_for("Rocky Linux:8")


def _vectors() -> list[tuple[str, str, int]]:
    out = []
    for line in (VERSIONS / "rpm-upstream-vectors.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            a, b, want = line.split()
            out.append((a, b, int(want)))
    return out


def _evrs() -> list[str]:
    lines = (VERSIONS / "rpm-evrs.txt").read_text().splitlines()
    return [x.strip() for x in lines if x.strip() and not x.startswith("#")]


def test_rpms_own_vectors() -> None:
    vectors = _vectors()
    assert len(vectors) > 90
    assert [RPM.compare(a, b) for a, b, _ in vectors] == [want for _, _, want in vectors]


def test_recorded_real_evr_pairs() -> None:
    corpus = pairs("rpm-pairs.txt")
    assert len(corpus) == 3000
    assert [RPM.compare(a, b) for a, b, _ in corpus] == [want for _, _, want in corpus]


@pytest.mark.tools("rpmlua")
def test_every_evr_pair_against_live_rpm() -> None:
    sys.path.insert(0, str(VERSIONS))
    try:
        import make_rpm_corpus  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    every = list(itertools.combinations(_evrs(), 2)) + [(a, b) for a, b, _ in _vectors()]
    live = make_rpm_corpus.rpm_order(every)
    ours = ["<" if c < 0 else ">" if c > 0 else "=" for c in (RPM.compare(a, b) for a, b in every)]
    assert len(every) > 14000
    assert [(a, b, o) for (a, b), o, got in zip(every, ours, live, strict=True) if o != got] == []


@pytest.mark.parametrize(
    ("a", "b", "sign"),
    [
        ("1.0~rc1-1.fc44", "1.0-1.fc44", -1),
        ("1.0^git1-1.fc44", "1.0-1.fc44", 1),
        ("1:1.0-1.fc44", "99.0-1.fc44", 1),
        ("1.0-2.fc44", "1.0-10.fc44", -1),
        ("1.0", "1.0-1", -1),  # a missing release sorts first, as rpm.vercmp does
        ("2.066-4.module_el8.3.0+410+ff426aa3", "2.066-4.el8", 1),
    ],
)
def test_traps(a: str, b: str, sign: int) -> None:
    assert RPM.compare(a, b) == sign


@pytest.mark.parametrize("bad", ["", "1.0-", "x:1.0", "1:2:3", "1.0 -1", "-1", ":1.0"])
def test_not_understood(bad: str) -> None:
    with pytest.raises(VersionError):
        RPM.key(bad)
