"""Every record of the shared advisory snapshots imports cleanly (skipped without them, except
under CI=true: tests/support/skip_policy.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from caulk.vulndb.interface import Advisory
from caulk.vulndb.sources import SourceReader
from caulk.vulndb.store import SourceFile, build_store, open_store
from tests.support.tools import SHARED_MISSING, shared_advisories

SHARED = shared_advisories()


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason=SHARED_MISSING)
def test_all_shared_advisories_import_without_a_skip(tmp_path: Path) -> None:
    parts = {"go-vulndb": "*.json", "pypa/vulns": "*/*.yaml", "debian-osv": "*.json"}
    sources = [SourceFile(str(SHARED / p), SHARED / p) for p in (*parts, "alpine-secdb")]
    reports = build_store(tmp_path / "all.sqlite", sources)
    for report, (part, pattern) in zip(reports, parts.items(), strict=False):
        assert report.skipped == 0, report.errors
        assert report.unknown_ecosystems == ()
        assert report.imported == len(list((SHARED / part).glob(pattern)))
    assert reports[-1].skipped == 0 and reports[-1].imported > 2000  # alpine: one per CVE
    store = open_store(tmp_path / "all.sqlite")
    assert store.count()[1] > 0  # withdrawn records are kept
    assert {"Go", "PyPI", "Debian:9", "Debian:10", "Debian:11", "Alpine:v3.11"} <= set(
        store.ecosystems()
    )


def _merged_by_the_converter() -> set[str]:
    """The converter that made debian-osv/ only knew headers `[date] ID package - text`; an entry
    whose header differs (`DSA-1727-1  - SQL…`, `DSA-1763-1 openssl openssl097 - …`) was glued to
    the entry before it, so that previous record carries extra CVEs and fixes. Excluded."""
    strict = re.compile(r"^\[[^\]]+\] D[SL]A-\S+ \S+ - ")
    merged: set[str] = set()
    for name in ("DSA.list", "DLA.list"):
        previous = None
        for line in (SHARED / "debian-tracker-lists" / name).read_text().splitlines():
            if line.startswith("["):
                if not strict.match(line) and previous:
                    merged.add(previous)
                previous = line.split()[3] if strict.match(line) else previous
    return merged


def _fixed(adv: Advisory, ecosystems: set[str] | None = None) -> set[tuple[str, str, str]]:
    return {
        (a.ecosystem, a.name, ev.fixed)
        for a in adv.affected
        if ecosystems is None or (a.status == "fixed" and a.ecosystem in ecosystems)
        for r in a.ranges
        for ev in r.events
        if ev.fixed
    }


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason=SHARED_MISSING)
def test_dsa_dla_lists_agree_with_every_converted_osv_record() -> None:
    """Oracle: the 7,240 OSV records in debian-osv/ were converted from the same two lists."""
    lists = {a.id: a for a in SourceReader("lists", SHARED / "debian-tracker-lists")}
    assert len(lists) == 5406 + 3534
    merged = _merged_by_the_converter()
    agreed, differ = 0, set()
    for adv in SourceReader("osv", SHARED / "debian-osv"):
        mine = lists[adv.id]
        same = _fixed(mine, {a.ecosystem for a in adv.affected}) == _fixed(adv)
        if same and set(mine.aliases) == set(adv.aliases):
            agreed += 1
        else:
            differ.add(adv.id)
    assert differ <= merged, sorted(differ - merged)
    assert agreed == 7240 - len(differ) and agreed > 7190
