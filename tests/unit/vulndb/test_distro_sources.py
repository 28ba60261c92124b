from __future__ import annotations

from pathlib import Path

from caulk.vulndb.interface import Advisory, Affected, AffectedRange, RangeEvent, SeverityScore
from caulk.vulndb.sources import SourceReader


def read(path: Path) -> tuple[dict[str, Advisory], SourceReader]:
    reader = SourceReader(str(path), path)
    return {adv.id: adv for adv in reader}, reader


def entry(adv: Advisory, ecosystem: str) -> Affected:
    (found,) = [a for a in adv.affected if a.ecosystem == ecosystem]
    return found


def test_debian_tracker_statuses(fixtures: Path) -> None:
    advs, reader = read(fixtures / "debian-tracker" / "json")
    report = reader.tally.report()
    assert reader.kinds == {"debian-tracker"}
    assert report.imported == 5
    assert report.skipped == 2  # broken-package (no releases) and broken-too (not an object)
    assert any("broken-package/CVE-2099-0001" in e for e in report.errors)

    adv = advs["DEBIAN-CVE-2023-0286"]
    assert adv.aliases == ("CVE-2023-0286",) and adv.source == "debian-tracker"
    bullseye = entry(adv, "Debian:11")
    assert bullseye.name == "openssl" and bullseye.status == "fixed"
    assert bullseye.ranges == (
        AffectedRange(
            "ECOSYSTEM", (RangeEvent(introduced="0"), RangeEvent(fixed="1.1.1n-0+deb11u4"))
        ),
    )
    assert bullseye.severity == (SeverityScore("vendor", "HIGH"),)
    assert entry(adv, "Debian:10").status == "end_of_life"

    not_affected = entry(advs["DEBIAN-CVE-2022-1292"], "Debian:12")
    assert not_affected.status == "not_affected" and not_affected.ranges == ()
    assert "https://bugs.debian.org/1011108" in advs["DEBIAN-CVE-2022-1292"].references

    ignored = entry(advs["DEBIAN-CVE-2023-45853"], "Debian:12")
    assert ignored.status == "will_not_fix"
    assert ignored.severity == (SeverityScore("vendor", "NEGLIGIBLE"),)
    assert dict(ignored.ecosystem_specific)["nodsa_reason"] == '"ignored"'

    assert entry(advs["DEBIAN-CVE-2010-4756"], "Debian:12").status == "affected"
    postponed = advs["DEBIAN-CVE-2023-4806"]
    assert entry(postponed, "Debian:12").status == "fix_deferred"
    assert entry(postponed, "Debian:13").status == "affected"  # undetermined: not yet analysed
    assert entry(postponed, "Debian:13").ranges == (
        AffectedRange("ECOSYSTEM", (RangeEvent(introduced="0"),)),
    )


def test_alpine_secdb_yaml(fixtures: Path) -> None:
    advs, reader = read(fixtures / "alpine-yaml")
    assert reader.kinds == {"alpine-secdb"} and reader.tally.report().skipped == 0
    db = entry(advs["ALPINE-CVE-2016-0682"], "Alpine:v3.8")
    assert db.name == "db" and db.status == "not_affected" and db.ranges == ()
    openssl = entry(advs["ALPINE-CVE-2019-1547"], "Alpine:v3.8")
    assert openssl.status == "fixed"
    assert openssl.ranges[0].events == (RangeEvent(introduced="0"), RangeEvent(fixed="1.0.2t-r0"))
    assert advs["ALPINE-CVE-2019-1547"].aliases == ("CVE-2019-1547",)


def test_alpine_secdb_json_is_the_same_shape(fixtures: Path) -> None:
    advs, reader = read(fixtures / "alpine-json" / "v3.11" / "main.json")
    assert reader.kinds == {"alpine-secdb"} and reader.tally.report().imported == len(advs) > 10
    assert {a.ecosystem for adv in advs.values() for a in adv.affected} == {"Alpine:v3.11"}
    assert {a.name for adv in advs.values() for a in adv.affected} == {"busybox", "musl", "openssl"}


def test_alpine_entries_with_several_ids_and_comments(tmp_path: Path) -> None:
    (tmp_path / "main.yaml").write_text(
        "distroversion: v3.11\nreponame: main\npackages:\n"
        "  - pkg:\n      name: xen\n      secfixes:\n"
        "        4.13.0-r1:\n          - CVE-2019-19577 XSA-311\n          - CVE-2019-1 (bogus)\n"
        "  - pkg: {secfixes: {}}\n"
        "  - pkg:\n      name: broken\n      secfixes:\n        1.0-r0: not-a-list\n"
    )
    advs, reader = read(tmp_path)
    assert {"ALPINE-CVE-2019-19577", "ALPINE-XSA-311"} <= set(advs)
    assert reader.tally.report().skipped == 2  # the nameless package and the non-list


def osv_fixed(adv: Advisory) -> set[tuple[str, str, str]]:
    return {
        (a.ecosystem, a.name, ev.fixed)
        for a in adv.affected
        for r in a.ranges
        for ev in r.events
        if ev.fixed is not None
    }


def test_debian_advisory_lists_agree_with_their_osv_conversion(fixtures: Path) -> None:
    lists, reader = read(fixtures / "debian-lists")
    assert reader.kinds == {"debian-lists"} and reader.tally.report().skipped == 0
    assert set(lists) == {"DSA-5343-1", "DSA-5139-1", "DSA-4347-1", "DSA-2275-1", "DSA-1906-1"}
    assert lists["DSA-5139-1"].aliases == ("CVE-2022-1292",)
    assert lists["DSA-5139-1"].published == "2022-05-17T00:00:00Z"
    assert entry(lists["DSA-2275-1"], "Debian:5").status == "not_affected"
    assert lists["DSA-1906-1"].affected == ()  # NOTE lines only
    converted, _ = read(fixtures / "debian-osv")
    for adv_id, osv in converted.items():
        assert lists[adv_id].aliases == osv.aliases
        assert osv_fixed(lists[adv_id]) == osv_fixed(osv)
