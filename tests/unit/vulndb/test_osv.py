from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from caulk.errors import UnsafeContentError
from caulk.vulndb.codec import decode_advisory, encode_advisory
from caulk.vulndb.interface import Advisory, RangeEvent, SeverityScore
from caulk.vulndb.sources import SourceReader, osv_label


def read(path: Path, location: str | None = None) -> tuple[dict[str, Advisory], SourceReader]:
    reader = SourceReader(location or str(path), path)
    return {adv.id: adv for adv in reader}, reader


def zip_dir(src: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w") as archive:
        for file in sorted(src.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(src).as_posix())
    return out


def test_go_records(fixtures: Path) -> None:
    advs, reader = read(fixtures / "osv-go")
    assert reader.tally.report().imported == 3 and reader.tally.report().skipped == 0
    adv = advs["GO-2023-2102"]
    assert adv.source == "osv:osv-go"
    assert adv.aliases == ("CVE-2023-39325", "GHSA-4374-p667-p6c8")
    assert adv.related == ("CVE-2023-44487",)
    stdlib = next(a for a in adv.affected if a.name == "stdlib")
    assert stdlib.ecosystem == "Go" and stdlib.status is None
    assert stdlib.ranges[0].type == "SEMVER"
    assert stdlib.ranges[0].events == (  # two intervals in one event list
        RangeEvent(introduced="0"),
        RangeEvent(fixed="1.20.10"),
        RangeEvent(introduced="1.21.0-0"),
        RangeEvent(fixed="1.21.3"),
    )
    imports = dict(stdlib.ecosystem_specific)["imports"]
    assert json.loads(imports)[0]["path"] == "net/http"
    assert advs["GO-2022-0617"].withdrawn == "2024-08-21T16:25:56Z"


def test_pypa_yaml_records(fixtures: Path) -> None:
    advs, reader = read(fixtures / "osv-pypa")
    assert reader.tally.report().imported == 5
    # PYSEC-2022-42969: last_affected, inclusive
    py = advs["PYSEC-2022-42969"].affected[0]
    assert py.ranges[0].events[-1] == RangeEvent(last_affected="1.11.0")
    # names are normalised, original spelling is in the purl
    assert advs["PYSEC-2020-341"].affected[0].name == "jw-util"
    werkzeug = advs["PYSEC-2023-221"]
    assert [r.type for r in werkzeug.affected[0].ranges] == ["GIT", "ECOSYSTEM"]
    assert werkzeug.affected[0].ranges[0].repo == "https://github.com/pallets/werkzeug"
    # YAML scalars stay strings: '0.10' must not become the float 0.1
    assert "0.10" in werkzeug.affected[0].versions and "0.1" in werkzeug.affected[0].versions
    assert werkzeug.severity == (
        SeverityScore("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),
    )


def test_zip_equals_directory(fixtures: Path, tmp_path: Path) -> None:
    from_dir, _ = read(fixtures / "osv-pypa")
    from_zip, reader = read(zip_dir(fixtures / "osv-pypa", tmp_path / "all.zip"))
    assert len(reader.sha256) == 64
    assert {k: v.affected for k, v in from_zip.items()} == {
        k: v.affected for k, v in from_dir.items()
    }


def test_vendor_severities_and_unknown_ecosystems(tmp_path: Path) -> None:
    # GHSA's shape: database_specific.severity at the top; Ubuntu/Debian: ecosystem_specific.
    (tmp_path / "GHSA-4374-p667-p6c8.json").write_text(
        json.dumps(
            {
                "id": "GHSA-4374-p667-p6c8",
                "modified": "2024-01-01T00:00:00Z",
                "aliases": ["CVE-2023-39325"],
                "database_specific": {"severity": "HIGH", "cwe_ids": ["CWE-400"]},
                "affected": [
                    {
                        "package": {"ecosystem": "Go", "name": "golang.org/x/net"},
                        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}],
                        "ecosystem_specific": {"urgency": "medium"},
                    },
                    {"package": {"ecosystem": "Plan9Ports", "name": "net"}, "versions": ["1"]},
                ],
            }
        )
    )
    advs, reader = read(tmp_path)
    adv = advs["GHSA-4374-p667-p6c8"]
    assert adv.severity == (SeverityScore("vendor", "HIGH"),)
    assert adv.affected[0].severity == (SeverityScore("vendor", "MEDIUM"),)
    report = reader.tally.report()
    assert report.imported == 1 and report.unknown_ecosystems == ("Plan9Ports",)


def test_malformed_records_are_skipped_and_counted(fixtures: Path, tmp_path: Path) -> None:
    good = (fixtures / "osv-go" / "GO-2023-2102.json").read_text()
    (tmp_path / "good.json").write_text(good)
    (tmp_path / "truncated.json").write_text(good[:200])
    (tmp_path / "two-keys.json").write_text(
        json.dumps(
            {
                "id": "X-1",
                "modified": "2024-01-01T00:00:00Z",
                "affected": [
                    {
                        "package": {"ecosystem": "PyPI", "name": "x"},
                        "ranges": [
                            {"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}]}
                        ],
                    }
                ],
            }
        )
    )
    (tmp_path / "no-id.yaml").write_text("modified: '2024-01-01'\naffected: []\n")
    (tmp_path / "not-a-record.json").write_text('{"hello": "world"}')
    (tmp_path / "bad.yaml").write_text("id: [unclosed\n")
    (tmp_path / "list.json").write_text(json.dumps([json.loads(good), 42]))
    (tmp_path / "README.txt").write_text("ignored: not JSON/YAML by name")
    advs, reader = read(tmp_path)
    report = reader.tally.report()
    assert set(advs) == {"GO-2023-2102"}
    assert report.imported == 2 and report.duplicates == 0  # good.json and list.json[0]
    assert report.skipped == 6
    joined = "\n".join(report.errors)
    for name in ("truncated.json", "two-keys.json", "no-id.yaml", "not-a-record.json", "bad.yaml"):
        assert name in joined
    assert "list.json[1]" in joined


@pytest.mark.parametrize(
    "member", ["../evil.json", "/etc/evil.json", "a/../../evil.json", "C:/x.json"]
)
def test_zip_slip_is_rejected(fixtures: Path, tmp_path: Path, member: str) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("GO-2023-2102.json", (fixtures / "osv-go" / "GO-2023-2102.json").read_bytes())
        z.writestr(zipfile.ZipInfo(member), b"{}")
    with pytest.raises(UnsafeContentError) as err:
        list(SourceReader(str(archive), archive))
    assert member in str(err.value) and str(archive) in str(err.value)


def test_codec_round_trip_over_every_fixture(fixtures: Path) -> None:
    count = 0
    for sub in ("osv-go", "osv-pypa", "debian-osv", "alpine-yaml", "debian-tracker"):
        advs, _ = read(fixtures / sub)
        for adv in advs.values():
            assert decode_advisory(encode_advisory(adv)) == adv
            count += 1
    assert count > 15


def test_osv_labels() -> None:
    assert (
        osv_label("https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip") == "osv:PyPI"
    )
    assert osv_label("/data/pypa/vulns") == "osv:pypa"
    assert osv_label("/data/go-vulndb/") == "osv:go-vulndb"
    assert osv_label("embedded/debian-osv.zip") == "osv:debian-osv"
