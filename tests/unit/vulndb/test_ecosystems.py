"""Distribution ecosystems: os-release → ecosystem, feed spellings → the canonical name the store
indexes, and which names an installed package is looked up in."""

from __future__ import annotations

import pytest

from caulk.catalog.interface import Distro
from caulk.match.version import scheme_for
from caulk.vulndb.ecosystems import canonical_ecosystem, os_release_ecosystem, query_ecosystems
from caulk.vulndb.osv import parse_osv


@pytest.mark.parametrize(
    ("distro_id", "version_id", "ecosystem"),
    [
        ("debian", "12", "Debian:12"),
        ("ubuntu", "22.04", "Ubuntu:22.04"),
        ("ubuntu", "24.10", "Ubuntu:24.10"),
        ("alpine", "3.19.1", "Alpine:v3.19"),
        ("rhel", "9.4", "Red Hat:9"),  # RHEL and UBI 9
        ("rhel", "8.10", "Red Hat:8"),  # UBI 8
        ("centos", "7", "Red Hat:7"),
        ("almalinux", "9.3", "AlmaLinux:9"),
        ("rocky", "8.9", "Rocky Linux:8"),
        ("sles", "15.5", "SUSE:15.5"),
        ("sles", "12.5", "SUSE:12.5"),
        ("opensuse-leap", "15.6", "openSUSE:Leap 15.6"),
        ("opensuse-tumbleweed", "20241201", "openSUSE:Tumbleweed"),
        ("wolfi", "20230201", "Wolfi"),
        ("chainguard", "20230214", "Chainguard"),
        ("amzn", "2", "Amazon Linux:2"),
        ("amzn", "2023", "Amazon Linux:2023"),
        ("amzn", "2018.03", "Amazon Linux:1"),
        ("gentoo", "2.17", None),
        ("debian", "", None),
    ],
)
def test_os_release(distro_id: str, version_id: str, ecosystem: str | None) -> None:
    assert os_release_ecosystem(distro_id, version_id) == ecosystem
    assert Distro(distro_id, version_id).ecosystem == ecosystem
    if ecosystem is not None:
        scheme_for(ecosystem)  # every mapped distribution has version rules


@pytest.mark.parametrize(
    ("feed", "canonical"),
    [
        ("Ubuntu:22.04:LTS", "Ubuntu:22.04"),
        ("Ubuntu:24.10", "Ubuntu:24.10"),
        ("Ubuntu:Pro:18.04:LTS", "Ubuntu:Pro:18.04"),
        ("Ubuntu:Pro:FIPS-updates:18.04:LTS", "Ubuntu:Pro:FIPS-updates:18.04"),
        ("Red Hat:enterprise_linux:9::appstream", "Red Hat:9"),
        ("Red Hat:enterprise_linux:8::baseos", "Red Hat:8"),
        ("Red Hat:enterprise_linux:10.0", "Red Hat:10"),
        ("Red Hat:rhel_aus:8.6::appstream", "Red Hat:rhel_aus:8.6::appstream"),
        ("Red Hat:openshift:4.14::el9", "Red Hat:openshift:4.14::el9"),
        ("SUSE:SUSE Linux Enterprise Server 15 SP5", "SUSE:15.5"),
        ("SUSE:SUSE Linux Enterprise Module for Basesystem 15 SP5", "SUSE:15.5"),
        ("SUSE:SUSE Linux Enterprise Server 12 SP5", "SUSE:12.5"),
        ("SUSE:SUSE Linux Enterprise Server 15", "SUSE:15.0"),
        (
            "SUSE:SUSE Linux Enterprise Server 12 SP5-LTSS",
            "SUSE:SUSE Linux Enterprise Server 12 SP5-LTSS",
        ),
        ("SUSE:SUSE Linux Enterprise Micro 5.5", "SUSE:SUSE Linux Enterprise Micro 5.5"),
        ("openSUSE:Leap 15.5", "openSUSE:Leap 15.5"),
        ("Debian:12", "Debian:12"),
        ("Alpine:v3.19", "Alpine:v3.19"),
        ("Wolfi", "Wolfi"),
        ("PyPI", "PyPI"),
    ],
)
def test_canonical(feed: str, canonical: str) -> None:
    assert canonical_ecosystem(feed) == canonical


def test_lookup_names() -> None:
    assert query_ecosystems("Ubuntu:22.04", "3.0.2-0ubuntu1.10") == (
        "Ubuntu:22.04",
        "Ubuntu:Pro:22.04",
    )
    assert query_ecosystems("Ubuntu:20.04", "1.1.1f-1ubuntu2.fips.2.1") == (
        "Ubuntu:Pro:FIPS-updates:20.04",
        "Ubuntu:Pro:FIPS:20.04",
        "Ubuntu:Pro:FIPS-preview:20.04",
    )
    assert query_ecosystems("Debian:12", "3.0.11-1~deb12u2") == ("Debian:12",)
    assert query_ecosystems("Red Hat:9", "1:3.0.7-27.el9") == ("Red Hat:9",)


@pytest.mark.parametrize(
    ("notice", "aliases"),
    [
        ("ALSA-2022:1065", ("CVE-2022-0778",)),  # errata: CVEs under `related`
        ("RLSA-2021:3891", ("CVE-2022-0778",)),
        ("RHSA-2024:6220", ("CVE-2022-0778",)),
        ("SUSE-SU-2022:0856-1", ("CVE-2022-0778",)),
        ("openSUSE-SU-2022:0856-1", ("CVE-2022-0778",)),
        ("GHSA-aaaa-bbbb-cccc", ()),  # `related` is only related for everything else
        ("UBUNTU-CVE-2022-0778", ()),
    ],
)
def test_notices_naming_cves_under_related(notice: str, aliases: tuple[str, ...]) -> None:
    record = {"id": notice, "modified": "2022-03-28T07:46:07Z", "related": ["CVE-2022-0778"]}
    assert parse_osv(record, "osv:test").aliases == aliases
