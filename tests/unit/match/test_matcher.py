"""The matcher on the embedded real advisory subset (PyPA, Debian DSA/DLA, Go vulndb, Alpine)."""

from __future__ import annotations

import pytest

from caulk.catalog.interface import Inventory, Package
from caulk.match.matcher import match_inventory, match_package
from caulk.model import Location, Severity
from caulk.vulndb import SqliteStore, load_store


@pytest.fixture(scope="module")
def store() -> SqliteStore:
    return load_store()


def _pkg(name: str, version: str, ecosystem: str, ptype: str, **kw: str) -> Package:
    return Package(
        name=name,
        version=version,
        type=ptype,
        ecosystem=ecosystem,
        purl=f"pkg:{ptype}/{name}@{version}",
        locations=(Location(path="/var/lib/dpkg/status", layer=0),),
        **kw,  # type: ignore[arg-type]
    )


def test_binary_package_matches_through_its_source_package_and_version(store: SqliteStore) -> None:
    # bsdutils is built from util-linux; its binary version carries an epoch the source lacks:
    # comparing 1:2.36.1-8 with the fix 2.36.1-8+deb11u1 would wrongly say "fixed".
    old = _pkg(
        "bsdutils",
        "1:2.36.1-8",
        "Debian:11",
        "deb",
        source_name="util-linux",
        source_version="2.36.1-8",
    )
    vulns, unknown = match_package(old, store)
    dsa = [v for v in vulns if "DSA-5055-1" in v.advisories]
    # one DSA naming two CVEs: one vulnerability per CVE, the DSA kept among the aliases
    assert sorted(v.id for v in dsa) == ["CVE-2021-3995", "CVE-2021-3996"] and unknown is None
    assert {v.fixed_version for v in dsa} == {"2.36.1-8+deb11u1"}
    assert {v.source_package for v in dsa} == {"util-linux"}
    assert all("DSA-5055-1" in v.aliases for v in dsa)
    fixed = _pkg(
        "bsdutils",
        "1:2.36.1-8+deb11u1",
        "Debian:11",
        "deb",
        source_name="util-linux",
        source_version="2.36.1-8+deb11u1",
    )
    assert not [v for v in match_package(fixed, store)[0] if "DSA-5055-1" in v.advisories]


def test_pep503_names_and_alias_merging(store: SqliteStore) -> None:
    result = match_inventory(
        Inventory(
            None, (_pkg("PyYAML", "5.1", "PyPI", "pypi"), _pkg("urllib3", "1.24.1", "PyPI", "pypi"))
        ),
        store,
    )
    by_pkg = {(v.package_name, v.id): v for v in result.vulnerabilities}
    assert any(name == "PyYAML" for name, _ in by_pkg)
    merged = by_pkg[("urllib3", "CVE-2023-43804")]
    assert set(merged.aliases) == {"GHSA-v845-jxx5-vc9f", "PYSEC-2023-192"}
    # no GHSA record in the embedded data: NVD's own score (embedded nvd.zip) rates it
    assert merged.severity is Severity.HIGH and merged.severity_source == "nvd"
    assert merged.cvss_score == 8.1 and merged.cvss_source == "nvd"
    assert merged.cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N"
    assert merged.fixed_version == "1.26.17"
    ids = [v.id for v in result.vulnerabilities if v.package_name == "urllib3"]
    assert len(ids) == len(set(ids)), "one weakness is one finding"


def test_unreadable_version_is_unknown_never_clean(store: SqliteStore) -> None:
    vulns, unknown = match_package(_pkg("urllib3", "one.two", "PyPI", "pypi"), store)
    assert vulns == []
    assert unknown is not None and unknown.reason.startswith("version not understood: urllib3")


def test_ecosystem_without_rules_is_skipped(store: SqliteStore) -> None:
    assert match_package(_pkg("x", "1", "Nonexistent", "generic"), store) == ([], None)


@pytest.mark.parametrize("name", ["stdlib", "toolchain"])
def test_go_toolchain_versions_without_a_patch_number(store: SqliteStore, name: str) -> None:
    """SBOMs write the Go version as `1.19`, `v1.19`, `go1.19`: the toolchain reads 1.19 as 1.19.0,
    and so do the real go-vulndb records (their stdlib ranges start at 0 and are fixed in 1.x.y)."""

    def ids(version: str) -> tuple[set[str], object]:
        vulns, unknown = match_package(_pkg(name, version, "Go", "golang"), store)
        return {v.id for v in vulns}, unknown

    canonical, unknown = ids("1.19.0")
    assert unknown is None
    if name == "stdlib":
        assert len(canonical) >= 5, canonical  # the embedded subset's stdlib records
    for spelling in ("1.19", "v1.19", "go1.19", "v1.19.0"):
        assert ids(spelling) == (canonical, None), spelling
    assert ids("1.21rc2") == ids("1.21.0-rc.2")
    later, _ = ids("1.22")
    assert later != canonical


def test_a_go_module_version_without_patch_stays_not_understood(store: SqliteStore) -> None:
    _, unknown = match_package(_pkg("golang.org/x/net", "v0.1", "Go", "golang"), store)
    assert unknown is not None and "version not understood" in unknown.reason
