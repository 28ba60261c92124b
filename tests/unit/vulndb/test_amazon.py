"""Amazon Linux updateinfo.xml (ALAS) import: real excerpts, and what broken input does."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from caulk.errors import AdvisoryFormatError
from caulk.vulndb.amazon import alas_ecosystem
from caulk.vulndb.interface import Advisory, RangeEvent, SeverityScore
from caulk.vulndb.sources import SourceReader
from caulk.vulndb.store import SourceFile, build_store, open_store

AMAZON = Path(__file__).resolve().parents[2] / "fixtures" / "advisories-distros" / "amazon"


def _read(path: Path) -> tuple[dict[str, Advisory], SourceReader]:
    reader = SourceReader(str(path), path)
    return {adv.id: adv for adv in reader}, reader


def test_real_updateinfo_excerpts() -> None:
    advs, reader = _read(AMAZON)
    assert sorted(advs) == [
        "ALAS2-2018-939",
        "ALAS2-2018-942",
        "ALAS2-2018-949",
        "ALAS2023-2023-001",
    ]
    assert reader.kinds == {"amazon-updateinfo"} and reader.tally.skipped == 0
    rsyslog = advs["ALAS2023-2023-001"]
    assert rsyslog.aliases == ("CVE-2014-3634", "CVE-2022-24903")
    assert rsyslog.published == "2023-02-17T20:41:00Z"
    assert rsyslog.modified == "2023-02-22T23:22:00Z"
    (entry,) = [a for a in rsyslog.affected if a.name == "rsyslog"]
    assert entry.ecosystem == "Amazon Linux:2023" and entry.status == "fixed"
    assert entry.ranges[0].events == (
        RangeEvent(introduced="0"),
        RangeEvent(fixed="0:8.2204.0-3.amzn2023.0.2"),
    )
    assert entry.severity == (SeverityScore("vendor", "IMPORTANT"),)
    # one entry per binary name, whatever the number of architectures listing it
    names = [a.name for a in rsyslog.affected]
    assert len(names) == len(set(names)) == 21


@pytest.mark.parametrize(
    ("alas", "ecosystem"),
    [
        ("ALAS2023-2023-001", "Amazon Linux:2023"),
        ("ALAS2022-2021-001", "Amazon Linux:2022"),
        ("ALAS2-2018-939", "Amazon Linux:2"),
        ("ALAS-2018-939", "Amazon Linux:1"),
        ("ALAS2NGINX1-2023-001", "Amazon Linux:2:extras:nginx1"),
        ("ALAS2GOLANG1.19-2023-001", "Amazon Linux:2:extras:golang1.19"),
        ("ALASKERNEL-5.10-2022-001", "Amazon Linux:2:extras:kernel-5.10"),
        ("RHSA-2023:1234", None),
    ],
)
def test_release_from_the_id(alas: str, ecosystem: str | None) -> None:
    assert alas_ecosystem(alas) == ecosystem


def _update(alas: str, package: str) -> str:
    return (
        f'<update type="security" status="final"><id>{alas}</id><title>t</title>'
        '<issued date="2024-01-02 03:04" /><severity>low</severity><references>'
        '<reference id="CVE-2024-0001" type="cve" href="x" /></references>'
        f'<pkglist><collection short="amazon-linux-2"><name>Amazon Linux 2</name>{package}'
        "</collection></pkglist></update>"
    )


def test_broken_updates_are_counted_and_the_rest_kept(tmp_path: Path) -> None:
    good = '<package name="zlib" epoch="0" version="1.2.7" release="19.amzn2.0.3" arch="noarch"/>'
    no_release = '<package name="zlib" epoch="0" version="1.2.7" arch="noarch"/>'
    bad_epoch = '<package name="zlib" epoch="x" version="1" release="1" arch="noarch"/>'
    doc = (
        '<?xml version="1.0" ?>\n<updates>'
        + _update("ALAS2-2024-0001", good)
        + _update("ALAS2-2024-0002", no_release)
        + _update("ALAS2-2024-0003", bad_epoch)
        + _update("NOT-AN-ALAS", good)
        + _update("ALAS2-2024-0004", "")
        + '<update type="bugfix"><id>ALAS2-2024-0005</id></update>'
        + "</updates>"
    )
    (tmp_path / "updateinfo.xml").write_text(doc)
    advs, reader = _read(tmp_path / "updateinfo.xml")
    assert sorted(advs) == ["ALAS2-2024-0001"]
    report = reader.tally.report()
    assert report.skipped == 4 and report.imported == 1
    assert any("update 2" in e and "without name, version or release" in e for e in report.errors)
    assert any("epoch 'x' is not a number" in e for e in report.errors)


@pytest.mark.parametrize(
    ("name", "payload", "why"),
    [
        (
            "truncated.xml.gz",
            gzip.compress((AMAZON / "al2-updateinfo.xml").read_bytes())[:900],
            "gzip",
        ),
        (
            "bomb.xml",
            b'<?xml version="1.0"?><!DOCTYPE updates [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><updates>&b;</updates>',
            "not well-formed updateinfo.xml",
        ),
        ("cut.xml", (AMAZON / "al2023-updateinfo.xml").read_bytes()[:700], "not well-formed"),
    ],
)
def test_hostile_or_broken_documents_leave_the_database_intact(
    tmp_path: Path, name: str, payload: bytes, why: str
) -> None:
    db = tmp_path / "db.sqlite"
    build_store(db, [SourceFile("al", AMAZON)])
    before = db.read_bytes()
    bad = tmp_path / name
    bad.write_bytes(payload)
    with pytest.raises(AdvisoryFormatError) as caught:
        build_store(db, [SourceFile(str(bad), bad)], append=True)
    assert why in str(caught.value) and str(bad) in str(caught.value)
    assert db.read_bytes() == before
    store = open_store(db)
    assert store.get("ALAS2023-2023-001") is not None
    store.close()
