"""Property over real OSV records: wherever a record lists explicit `versions` beside ECOSYSTEM/
SEMVER ranges, evaluating the ranges alone puts every listed version inside them.

Runs over the checked-in subset always, and over the whole shared advisory set when present.
The few real records whose list and ranges contradict each other are named below, checked to
really contradict, and shown to be reported affected anyway (the list is part of the record)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest
from packaging.version import InvalidVersion, Version

from caulk.match.ranges import affected_status
from caulk.match.version import VersionError, scheme_for
from tests.support.tools import SHARED_MISSING
from tests.unit.match.corpora import ADVISORIES, SHARED_ADVISORIES
from tests.unit.match.osv_records import affected_entries, load, record_paths

# (record, version): listed as affected, outside the record's own ECOSYSTEM range.
CONTRADICTIONS = {
    # introduced "3.2"/"4.2" but pre-releases of 3.2 and 4.2 listed
    ("PYSEC-2023-61", "3.2a1"), ("PYSEC-2023-61", "3.2b1"), ("PYSEC-2023-61", "3.2rc1"),
    ("PYSEC-2023-61", "4.2a1"), ("PYSEC-2023-61", "4.2b1"), ("PYSEC-2023-61", "4.2rc1"),
    # fixed 23.9.0, but the GIT-derived list includes 23.9.0 and 23.9.0.post1
    ("PYSEC-2023-177", "23.9.0"), ("PYSEC-2023-177", "23.9.0.post1"),
}  # fmt: skip


def _is_pep440(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


def _check(root: Path) -> Counter[str]:
    seen: Counter[str] = Counter()
    for path in record_paths(root):
        record = load(path)
        for affected in affected_entries(record):
            if not affected.versions or all(r.type == "GIT" for r in affected.ranges):
                continue
            scheme = scheme_for(affected.ecosystem)
            ranges_only = dataclasses.replace(affected, versions=())
            for version in affected.versions:
                verdict = affected_status(version, ranges_only, scheme)
                seen[verdict.state] += 1
                with_list = affected_status(version, affected, scheme)
                assert with_list.affected, (record["id"], version)
                if verdict.affected:
                    continue
                if verdict.unknown:  # a legacy version no PEP 440 tool can order
                    assert not _is_pep440(version), (record["id"], version)
                    assert "not understood" in verdict.reason
                    continue
                assert (record["id"], version) in CONTRADICTIONS, (record["id"], version)
                seen["contradiction"] += 1
    return seen


def test_checked_in_subset() -> None:
    seen = _check(ADVISORIES / "pypa")
    assert seen["affected"] > 7000
    assert seen["contradiction"] == len(CONTRADICTIONS)
    assert seen["unknown"] > 0


@pytest.mark.skipif(not (SHARED_ADVISORIES / "pypa").is_dir(), reason=SHARED_MISSING)
def test_whole_shared_set() -> None:
    seen = _check(SHARED_ADVISORIES)
    assert seen["affected"] > 140000
    assert seen["contradiction"] == len(CONTRADICTIONS)


def _event_versions(root: Path) -> tuple[int, list[tuple[str, str]]]:
    count, refused = 0, []
    for path in record_paths(root):
        for affected in affected_entries(load(path)):
            scheme = scheme_for(affected.ecosystem)
            for rng in affected.ranges:
                if rng.type == "GIT":
                    continue
                for event in rng.events:
                    for value in (event.introduced, event.fixed, event.last_affected):
                        if value is None or value == "0":
                            continue
                        count += 1
                        try:
                            scheme.key(value)
                        except VersionError:
                            refused.append((path.stem, value))
    return count, refused


@pytest.mark.parametrize("source", ["go-vulndb", "debian-osv", "pypa"])
def test_every_event_version_is_understood_in_subset(source: str) -> None:
    count, refused = _event_versions(ADVISORIES / source)
    assert count > 100
    assert refused == []


@pytest.mark.skipif(
    not (SHARED_ADVISORIES / "go-vulndb").is_dir(), reason=f"{SHARED_MISSING} (go-vulndb)"
)
@pytest.mark.parametrize("source", ["go-vulndb", "debian-osv"])
def test_every_event_version_is_understood_in_shared_set(source: str) -> None:
    count, refused = _event_versions(SHARED_ADVISORIES / source)
    assert count > 7000
    assert refused == []
