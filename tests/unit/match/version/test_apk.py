"""apk ordering against apk-tools' own test vectors and the real Alpine secdb versions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from caulk.match.version import VersionError, scheme_for
from tests.support.tools import SHARED_MISSING
from tests.unit.match.corpora import SHARED_ADVISORIES, VERSIONS

APK = scheme_for("Alpine:v3.11")
SIGN = {"<": -1, "=": 0, ">": 1}
# Rows apk-tools itself marks or treats as invalid versions; caulk refuses them.
INVALID = {"23_foo", "1.0bc"}


def _vectors() -> list[tuple[str, str, str]]:
    rows = []
    for line in (VERSIONS / "apk-version.data").read_text().splitlines():
        fields = line.split("#")[0].split()
        if fields:
            a, op, b = fields
            rows.append((a, op, b))
    return rows


def test_apk_tools_vectors() -> None:
    rows = _vectors()
    assert len(rows) > 700
    checked = 0
    for a, op, b in rows:
        if {a, b} & INVALID:
            continue
        assert APK.compare(a, b) == SIGN[op], f"{a} {op} {b}"
        checked += 1
    assert checked == len(rows) - 2


@pytest.mark.parametrize("bad", [*sorted(INVALID), "v1.0", "1.0-1", "1.0_foo", "1..0", "1.0-r"])
def test_invalid_versions_are_not_understood(bad: str) -> None:
    with pytest.raises(VersionError):
        APK.key(bad)


@pytest.mark.parametrize(
    ("a", "b", "sign"),
    [
        ("1.0_alpha", "1.0", -1),
        ("1.0_rc1", "1.0", -1),
        ("1.0_p1", "1.0", 1),
        ("1.0-r1", "1.0", 1),
        ("1.0~abc1-r0", "1.0-r0", 1),  # hash token (type 5) < revision (6): the lower type wins
        ("1.01", "1.1", -1),  # leading zero: string comparison
        ("1.2.3_git20200101", "1.2.3", 1),
    ],
)
def test_grammar(a: str, b: str, sign: int) -> None:
    assert APK.compare(a, b) == sign


# Malformed versions really published in Alpine secdb (v3.3 to v3.11): typos apk-tools rejects too.
SECDB_INVALID = {
    "4.8.0.-r1", "6.6.2p1-r0", "2.7.16-33", "4.10-1-r1", "0.8.21.r2", "1.7.5.-r1", "57-1-r2",
    "1.18.-r2", "1.0.4.-r0", "1.11-20-r0", "0.12.5.-r0", "2.15.r-r1", "10.2.26.r0", "10.2.24.r0",
    "10.2.22.r0",
}  # fmt: skip


@pytest.mark.skipif(
    not (SHARED_ADVISORIES / "alpine-secdb").is_dir(), reason=f"{SHARED_MISSING} (alpine-secdb)"
)
def test_every_real_secdb_version_parses_or_is_a_known_typo() -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    seen, refused = 0, set()
    for path in sorted(Path(SHARED_ADVISORIES / "alpine-secdb").glob("v*/*.yaml")):
        data = yaml.load(path.read_text(), Loader=loader)
        for package in data.get("packages") or []:
            for version in package["pkg"].get("secfixes") or {}:
                seen += 1
                if not APK.valid(str(version)):
                    refused.add(str(version))
    assert seen > 4000
    assert refused == SECDB_INVALID
