"""The distro matchers against real distribution advisories (tests/fixtures/advisories-distros):
Debian DSA, Ubuntu USN (OSV), AlmaLinux ALSA (OSV, module streams), Red Hat RHSA (OSV, module
streams), Amazon Linux ALAS (updateinfo.xml). Oracles nobody here wrote: the advisories' own
explicit affected versions and fixed versions, dpkg's and rpm's own comparisons."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from caulk.catalog.interface import Distro, Package
from caulk.match.ignore import IgnoreEntry, IgnoreFile, apply_ignores
from caulk.match.matcher import match_package
from caulk.match.version import scheme_for
from caulk.match.vex import VexStatement, apply_vex
from caulk.model import Location
from caulk.vulndb.store import SourceFile, SqliteStore, build_store, open_store
from tests.unit.match.corpora import FIXTURES, VERSIONS

DISTROS = FIXTURES / "advisories-distros"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> SqliteStore:
    db = tmp_path_factory.mktemp("distros") / "db.sqlite"
    reports = build_store(db, [SourceFile(str(DISTROS), DISTROS)])
    assert reports[0].skipped == 0, reports[0].errors
    return open_store(db)


def _pkg(name: str, version: str, ecosystem: str, ptype: str = "deb", **kw: str) -> Package:
    return Package(
        name=name,
        version=version,
        type=ptype,
        ecosystem=ecosystem,
        purl=f"pkg:{ptype}/{name}@{version}",
        locations=(Location(path="/var/lib/pkgs", layer=0),),
        **kw,  # type: ignore[arg-type]
    )


def _rpm_order(pairs: list[tuple[str, str]]) -> list[str]:
    sys.path.insert(0, str(VERSIONS))
    try:
        import make_rpm_corpus  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    return list(make_rpm_corpus.rpm_order(pairs))


def _dpkg_less(a: str, b: str) -> bool:
    return subprocess.run(["dpkg", "--compare-versions", a, "lt", b], check=False).returncode == 0


# -- one vulnerability per CVE ------------------------------------------------------------------
def test_ignoring_one_cve_of_a_dsa_never_hides_the_other(store: SqliteStore) -> None:
    # DSA-5103-1 fixes CVE-2021-4160 and CVE-2022-0778 in openssl 1.1.1k-1+deb11u2.
    pkg = _pkg("libssl1.1", "1.1.1k-1+deb11u1", "Debian:11", source_name="openssl")
    vulns, unknown = match_package(pkg, store)
    assert unknown is None
    by_id = {v.id: v for v in vulns}
    assert sorted(by_id) == ["CVE-2021-4160", "CVE-2022-0778"]
    assert all(v.aliases == ("DSA-5103-1",) for v in vulns)
    assert {v.fixed_version for v in vulns} == {"1.1.1k-1+deb11u2"}
    ignores = IgnoreFile((IgnoreEntry("CVE-2022-0778", "not reachable: no explicit curves"),))
    marked, _, _ = apply_ignores(ignores, tuple(vulns), (), date(2026, 12, 1))
    state = {v.id: v.ignored for v in marked}
    assert state["CVE-2022-0778"] is not None
    assert state["CVE-2021-4160"] is None, "ignoring CVE-2022-0778 must not hide CVE-2021-4160"
    # an OpenVEX statement naming CVE-2022-0778 silences exactly that one too
    vex = VexStatement(
        vulnerability=frozenset({"CVE-2022-0778"}),
        products=(pkg.purl,),
        subcomponents=(),
        status="not_affected",
        justification="vulnerable_code_not_in_execute_path",
        timestamp="2026-11-30T00:00:00Z",
        source="vex.json",
    )
    vexed = {v.id: v.ignored for v in apply_vex((vex,), tuple(vulns), frozenset())}
    assert vexed["CVE-2022-0778"] is not None and vexed["CVE-2021-4160"] is None
    # naming the DSA itself silences everything it fixes
    by_notice = IgnoreFile((IgnoreEntry("DSA-5103-1", "rebuilt on deb11u2 next week"),))
    marked, _, _ = apply_ignores(by_notice, tuple(vulns), (), date(2026, 12, 1))
    assert all(v.ignored for v in marked)


# -- Ubuntu -------------------------------------------------------------------------------------
def test_ubuntu_matches_every_version_the_records_list_and_never_their_fix(
    store: SqliteStore,
) -> None:
    """USN and UBUNTU-CVE records, standard and Ubuntu Pro (ESM) streams: every version a record
    lists is reported with the record's CVE and fix, the fix (and an ESM build after it) is not,
    a withdrawn record never is; dpkg itself agrees each listed version sorts before the fix."""
    checked = 0
    for path in sorted((DISTROS / "ubuntu").glob("*.json")):
        record = json.loads(path.read_text())
        (cve,) = {u.removeprefix("UBUNTU-") for u in record["upstream"]}
        for entry in record["affected"]:
            parts = entry["package"]["ecosystem"].split(":")  # Ubuntu[:Pro]:22.04[:LTS]
            release = next(p for p in parts if p[:1].isdigit())
            ecosystem = Distro("ubuntu", release).ecosystem
            assert ecosystem == f"Ubuntu:{release}"
            events = entry["ranges"][0]["events"]
            fixed = next((e["fixed"] for e in events if "fixed" in e), None)
            name = entry["package"]["name"]

            def reported(
                version: str, name: str = name, eco: str = ecosystem, cve: str = cve
            ) -> list[Any]:
                pkg = _pkg(name, version, eco, source_name=name)
                return [v for v in match_package(pkg, store)[0] if v.id == cve]

            if record.get("withdrawn"):  # UBUNTU-CVE-2014-2901: withdrawn, never reported
                assert all(reported(v) == [] for v in entry["versions"])
                continue
            for version in entry["versions"]:
                assert fixed is None or _dpkg_less(version, fixed), (version, fixed)
                assert [v.fixed_version for v in reported(version)] == [fixed], (path, version)
                checked += 1
            if fixed is not None:
                assert reported(fixed) == [] and reported(fixed + "+esm9") == []
    assert checked == 46 + 10 + 34


def test_a_fix_published_only_to_ubuntu_pro_still_reports_the_standard_build(
    store: SqliteStore,
) -> None:
    # netty on 22.04 lives in universe; its fix for CVE-2022-24823 exists only in ESM (Pro)
    netty = _pkg("libnetty-java", "1:4.1.48-4", "Ubuntu:22.04", source_name="netty")
    (found,) = match_package(netty, store)[0]
    assert (found.id, found.fixed_version) == ("CVE-2022-24823", "1:4.1.48-4+deb11u2ubuntu0.1~esm1")
    esm = _pkg(
        "libnetty-java", "1:4.1.48-4+deb11u2ubuntu0.1~esm1", "Ubuntu:22.04", source_name="netty"
    )
    assert match_package(esm, store)[0] == []


# -- AlmaLinux / Red Hat (rpm, module streams) ----------------------------------------------------
def test_almalinux_openssl_epoch_and_release(store: SqliteStore) -> None:
    eco = Distro("almalinux", "8.5").ecosystem
    assert eco == "AlmaLinux:8"
    old = _pkg("openssl-libs", "1:1.1.1k-5.el8_5", eco, "rpm")
    fixed = _pkg("openssl-libs", "1:1.1.1k-6.el8_5", eco, "rpm")
    no_epoch = _pkg("openssl-libs", "1.1.1k-7.el8_5", eco, "rpm")  # epoch 0 < 1: still affected
    assert [(v.id, v.fixed_version) for v in match_package(old, store)[0]] == [
        ("CVE-2022-0778", "1:1.1.1k-6.el8_5")
    ]
    assert match_package(fixed, store)[0] == []
    assert [v.id for v in match_package(no_epoch, store)[0]] == ["CVE-2022-0778"]
    pairs = [(old.version, "1:1.1.1k-6.el8_5"), (fixed.version, "1:1.1.1k-6.el8_5")]
    pairs.append((no_epoch.version, "1:1.1.1k-6.el8_5"))
    assert _rpm_order(pairs) == ["<", "=", "<"]  # rpm itself


def test_module_streams_never_cross(store: SqliteStore) -> None:
    eco = "AlmaLinux:8"
    node16 = _pkg(
        "nodejs",
        "1:16.14.0-2.module_el8.5.0+2645+1ab5b0e5",
        eco,
        "rpm",
        module="nodejs:16:8050020220422161719:ad008a3a",
    )
    ids = {a for v in match_package(node16, store)[0] for a in (v.id, *v.aliases)}
    assert "ALSA-2022:6964" in ids  # nodejs:16 advisory, fixed 1:16.17.1-1.module_el8.6.0…
    assert "ALSA-2022:7821" not in ids  # nodejs:18: 16.14 < 18.9.1 must not read as vulnerable
    assert _rpm_order([(node16.version, "1:18.9.1-1.module_el8.7.0+3343+ea2b7901")]) == ["<"]
    node18 = _pkg(
        "nodejs",
        "1:18.9.0-1.module_el8.7.0+3312+12345678",
        eco,
        "rpm",
        module="nodejs:18:8070020221021131047:ad008a3a",
    )
    ids = {a for v in match_package(node18, store)[0] for a in (v.id, *v.aliases)}
    assert "ALSA-2022:7821" in ids and "ALSA-2022:6964" not in ids
    plain = _pkg("nodejs", "1:16.14.0-2.el8", eco, "rpm")  # not modular: no module advisory
    assert match_package(plain, store)[0] == []


def test_red_hat_records(store: SqliteStore) -> None:
    eco = "Red Hat:rhel_aus:8.6::appstream"  # the streams these real records were issued for
    lfs = _pkg("git-lfs", "2.13.3-3.el8_6", eco, "rpm")
    assert [(v.id, v.fixed_version) for v in match_package(lfs, store)[0]] == [
        ("CVE-2023-45288", "0:2.13.3-3.el8_6.1")
    ]
    assert match_package(_pkg("git-lfs", "0:2.13.3-3.el8_6.1", eco, "rpm"), store)[0] == []
    py39 = _pkg(
        "python39",
        "3.9.7-1.module+el8.6.0+13933+9cf0c87c",
        eco,
        "rpm",
        module="python39:3.9:8060020220315103806:d8e8c4e5",
    )
    assert [v.id for v in match_package(py39, store)[0]] == ["CVE-2024-6345"]
    other_stream = _pkg(
        "python39",
        "3.9.7-1.module+el8.6.0+13933+9cf0c87c",
        eco,
        "rpm",
        module="python38:3.8:8060020220315103806:d8e8c4e5",
    )
    assert match_package(other_stream, store)[0] == []
    assert _rpm_order(
        [("3.9.7-1.module+el8.6.0+13933+9cf0c87c", "0:3.9.7-2.module+el8.6.0+20026+579726f4.2")]
    ) == ["<"]
    # a RHEL/UBI image's own repositories are the enterprise_linux streams: canonical `Red Hat:8`
    assert Distro("rhel", "8.6").ecosystem == "Red Hat:8"
    assert scheme_for("Red Hat:8").name == "rpm"


def test_fixture_set_is_small_and_attributed() -> None:
    total = sum(f.stat().st_size for f in DISTROS.rglob("*") if f.is_file())
    assert total < 400_000
    readme = (DISTROS / "README.md").read_text()
    for origin in (
        "AlmaLinux/osv-database",
        "ossf/osv-schema",
        "ubuntu-security-notices",
        "vunnel",
    ):
        assert origin in readme
    assert Path(DISTROS / "debian" / "DSA-5103-1.json").is_file()


# -- Amazon Linux (ALAS updateinfo.xml) -----------------------------------------------------------
def test_amazon_linux_2023_and_2(store: SqliteStore) -> None:
    al2023 = Distro("amzn", "2023").ecosystem
    assert al2023 == "Amazon Linux:2023"
    old = _pkg("rsyslog", "8.2204.0-3.amzn2023.0.1", al2023, "rpm")
    found = match_package(old, store)[0]
    assert sorted(v.id for v in found) == ["CVE-2014-3634", "CVE-2022-24903"]  # one per CVE
    assert {v.fixed_version for v in found} == {"0:8.2204.0-3.amzn2023.0.2"}
    assert all(v.aliases == ("ALAS2023-2023-001",) for v in found)
    assert {(v.severity.name, v.severity_source) for v in found} == {("HIGH", "amazon")}
    assert match_package(_pkg("rsyslog", "8.2204.0-3.amzn2023.0.2", al2023, "rpm"), store)[0] == []
    # the same package on Amazon Linux 2 is not matched by an AL2023 advisory
    assert (
        match_package(_pkg("rsyslog", "8.2204.0-3.amzn2.0.1", "Amazon Linux:2", "rpm"), store)[0]
        == []
    )

    al2 = Distro("amzn", "2").ecosystem
    java = _pkg("java-1.8.0-openjdk-headless", "1:1.8.0.151-1.b12.amzn2", al2, "rpm")
    ids = {v.id for v in match_package(java, store)[0]}
    assert len(ids) == 15 and "CVE-2018-2677" in ids  # ALAS2-2018-949 names 15 CVEs
    qemu = _pkg("qemu-img", "10:1.5.3-141.amzn2.5.2", al2, "rpm")  # epoch 10
    assert [v.fixed_version for v in match_package(qemu, store)[0]] == ["10:1.5.3-141.amzn2.5.3"]
    no_epoch = _pkg("qemu-img", "1.5.3-141.amzn2.5.4", al2, "rpm")  # epoch 0 < 10
    assert [v.id for v in match_package(no_epoch, store)[0]] == ["CVE-2017-5715"]
    kernel = _pkg("kernel", "4.9.75-1.56.amzn2", al2, "rpm")  # from the gzip-compressed excerpt
    assert sorted(v.id for v in match_package(kernel, store)[0]) == [
        "CVE-2017-5715",
        "CVE-2017-5754",
    ]
    pairs = [
        ("8.2204.0-3.amzn2023.0.1", "0:8.2204.0-3.amzn2023.0.2"),
        ("1:1.8.0.151-1.b12.amzn2", "1:1.8.0.161-0.b14.amzn2"),
        ("10:1.5.3-141.amzn2.5.2", "10:1.5.3-141.amzn2.5.3"),
        ("1.5.3-141.amzn2.5.4", "10:1.5.3-141.amzn2.5.3"),
        ("4.9.75-1.56.amzn2", "0:4.9.76-38.79.amzn2"),
    ]
    assert _rpm_order(pairs) == ["<"] * 5  # rpm itself agrees with every verdict above


# -- Wolfi / Chainguard (apk) ---------------------------------------------------------------------
def test_wolfi_and_chainguard_are_separate_ecosystems(store: SqliteStore) -> None:
    chainguard, wolfi = Distro("chainguard", "20230214").ecosystem, Distro("wolfi", "").ecosystem
    assert (chainguard, wolfi) == ("Chainguard", "Wolfi")
    old = _pkg("haproxy-2.8", "2.8.17-r2", chainguard, "apk")
    (found,) = match_package(old, store)[0]
    assert (found.id, found.fixed_version) == ("CVE-2025-32464", "2.8.18-r0")
    assert set(found.aliases) == {"CGA-224q-ccj5-2p53", "GHSA-frg5-h47x-75j9"}
    assert match_package(_pkg("haproxy-2.8", "2.8.18-r0", chainguard, "apk"), store)[0] == []
    # haproxy-3.1 has a Wolfi entry only; haproxy-2.8 a Chainguard entry only
    assert [
        v.id for v in match_package(_pkg("haproxy-3.1", "3.1.6-r1", wolfi, "apk"), store)[0]
    ] == ["CVE-2025-32464"]
    assert match_package(_pkg("haproxy-3.1", "3.1.6-r1", chainguard, "apk"), store)[0] == []
    assert match_package(_pkg("haproxy-2.8", "2.8.17-r2", wolfi, "apk"), store)[0] == []
    # `fixed: "0"`: syncthing-compat was never affected
    assert match_package(_pkg("syncthing-compat", "2.0.10-r0", chainguard, "apk"), store)[0] == []
    assert [
        v.id for v in match_package(_pkg("syncthing", "2.0.14-r0", wolfi, "apk"), store)[0]
    ] == ["CVE-2025-68121"]


# -- Rocky Linux (rpm, module streams) -------------------------------------------------------------
def test_rocky_linux(store: SqliteStore) -> None:
    eco = Distro("rocky", "8.4").ecosystem
    java = _pkg("java-11-openjdk-headless", "1:11.0.12.0.7-0.el8_4", eco, "rpm")
    assert match_package(java, store)[0] == []  # the advisory names java-11-openjdk only
    java = _pkg("java-11-openjdk", "1:11.0.12.0.7-0.el8_4", eco, "rpm")
    found = match_package(java, store)[0]
    assert len(found) == 10 and all(v.aliases == ("RLSA-2021:3891",) for v in found)
    assert {v.fixed_version for v in found} == {"1:11.0.13.0.8-1.el8_4"}
    rocky9 = Distro("rocky", "9.4").ecosystem
    ruby33 = _pkg(
        "ruby",
        "3.3.0-1.module+el9.4.0+20001+aaaaaaaa",
        rocky9,
        "rpm",
        module="ruby:3.3:9040020240517123456:9edba152",
    )
    assert sorted(v.id for v in match_package(ruby33, store)[0]) == [
        "CVE-2024-27280",
        "CVE-2024-27281",
        "CVE-2024-27282",
    ]
    ruby31 = _pkg(
        "ruby",
        "3.1.4-143.module+el9.4.0+20002+bbbbbbbb",
        rocky9,
        "rpm",
        module="ruby:3.1:9040020240517123456:9edba152",
    )
    assert match_package(ruby31, store)[0] == []  # ruby:3.3 advisory, ruby:3.1 stream
    default = _pkg("ruby", "3.0.4-161.el9", rocky9, "rpm")  # RHEL 9's non-modular ruby
    assert match_package(default, store)[0] == []
    assert _rpm_order(
        [
            ("1:11.0.12.0.7-0.el8_4", "1:11.0.13.0.8-1.el8_4"),
            ("3.1.4-143.module+el9.4.0+20002+bbbbbbbb", "0:3.3.1-2.module+el9.4.0+20787+4c237fd3"),
            ("3.0.4-161.el9", "0:3.3.1-2.module+el9.4.0+20787+4c237fd3"),
        ]
    ) == ["<", "<", "<"]  # rpm ordering alone would have called both other streams vulnerable
