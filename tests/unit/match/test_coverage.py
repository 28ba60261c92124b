"""Coverage on the embedded real advisory data: every package is either checked or reported as
unchecked with its reason; nothing is silently left out."""

from __future__ import annotations

import pytest

from caulk.catalog.interface import Distro, Inventory, Package
from caulk.match.matcher import match_inventory
from caulk.model import Location
from caulk.vulndb import SqliteStore, load_store


@pytest.fixture(scope="module")
def store() -> SqliteStore:
    return load_store()


def _pkg(name: str, version: str, ecosystem: str, ptype: str) -> Package:
    return Package(
        name=name,
        version=version,
        type=ptype,
        ecosystem=ecosystem,
        purl=f"pkg:{ptype}/{name}@{version}",
        locations=(Location(path=f"/where/{name}", layer=0),),
    )


def test_each_unchecked_package_has_its_reason(store: SqliteStore) -> None:
    potato = Distro(
        "debian", "2.2", "potato", "Debian GNU/Linux 2.2", eol="2003-06-30", is_eol=True
    )
    packages = (
        _pkg("pyyaml", "5.1", "PyPI", "pypi"),  # checked, vulnerable
        _pkg("bash", "2.03-6", "Debian:2", "deb"),  # an end-of-life release without data
        _pkg("bash", "5.2.15-2", "Debian:12", "deb"),  # a release the data lacks
        _pkg("pyyaml", "five point one", "PyPI", "pypi"),  # a version PEP 440 cannot read
        _pkg("plug", "1.0.0", "Hex", "hex"),  # an ecosystem caulk has no rules for
    )
    result = match_inventory(Inventory(potato, packages), store)
    coverage = result.coverage
    assert coverage is not None
    assert (coverage.packages, coverage.checked) == (5, 1)
    reasons = {(u.ecosystem, u.version): (u.reason, u.detail) for u in coverage.unchecked}
    assert reasons[("Debian:2", "2.03-6")] == (
        "end-of-life",
        "Debian GNU/Linux 2.2 reached end of life on 2003-06-30; "
        "the advisory database has no Debian:2 data",
    )
    assert reasons[("Debian:12", "5.2.15-2")] == (
        "no-data",
        "the advisory database has no Debian:12 data",
    )
    reason, detail = reasons[("PyPI", "five point one")]
    assert reason == "version-not-understood" and "version not understood" in detail
    assert reasons[("Hex", "1.0.0")][0] == "no-data"
    assert coverage.by_reason() == {"no-data": 2, "end-of-life": 1, "version-not-understood": 1}
    assert {u.location.path for u in coverage.unchecked} == {
        "/where/bash",
        "/where/pyyaml",
        "/where/plug",
    }
    assert any(v.package_version == "5.1" for v in result.vulnerabilities)


def test_a_release_with_data_is_checked_even_when_end_of_life(store: SqliteStore) -> None:
    stretch = Distro("debian", "9", "stretch", eol="2022-06-30", is_eol=True)
    package = _pkg("openssl", "1.1.0l-1~deb9u1", "Debian:9", "deb")
    coverage = match_inventory(Inventory(stretch, (package,)), store).coverage
    assert coverage is not None and coverage.checked == 1 and not coverage.unchecked
