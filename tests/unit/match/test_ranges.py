"""OSV range semantics on the known traps and on hand-built entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from caulk.match.ranges import affected_status
from caulk.match.version import scheme_for
from caulk.vulndb.interface import Affected, AffectedRange, RangeEvent
from tests.unit.match.corpora import ADVISORIES
from tests.unit.match.osv_records import affected_entries, load


def _entry(record: str, name: str) -> Affected:
    path = next(ADVISORIES.rglob(f"{record}.*"))
    return next(a for a in affected_entries(load(Path(path))) if a.name == name)


def _events(*pairs: tuple[str, str]) -> tuple[RangeEvent, ...]:
    return tuple(RangeEvent(**{kind: value}) for kind, value in pairs)


def _affected(
    ecosystem: str, *pairs: tuple[str, str], kind: str = "ECOSYSTEM", **extra: object
) -> Affected:
    rng = AffectedRange(type=kind, events=_events(*pairs))
    return Affected(ecosystem=ecosystem, name="pkg", ranges=(rng,), **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("version", "state", "fixed"),
    [
        ("go1.20.9", "affected", "1.20.10"),
        ("go1.20.10", "not_affected", None),
        ("go1.21rc2", "affected", "1.21.3"),  # 1.21.0-rc.2 >= 1.21.0-0
        ("go1.21.0", "affected", "1.21.3"),
        ("go1.21.3", "not_affected", None),
        ("go1.19.8", "affected", "1.20.10"),
        ("v1.22.0", "not_affected", None),
    ],
)
def test_go_2023_2102_two_intervals(version: str, state: str, fixed: str | None) -> None:
    stdlib = _entry("GO-2023-2102", "stdlib")
    verdict = affected_status(version, stdlib, scheme_for("Go"))
    assert (verdict.state, verdict.fixed) == (state, fixed)


def test_go_module_with_v_prefix_and_pseudo_version() -> None:
    xnet = _entry("GO-2023-2102", "golang.org/x/net")
    go = scheme_for("Go")
    assert affected_status("v0.0.0-20210226172049-e18ecbb05110", xnet, go).affected
    assert affected_status("v0.16.0", xnet, go).fixed == "0.17.0"
    assert not affected_status("v0.17.0", xnet, go).affected


@pytest.mark.parametrize(
    ("version", "state"),
    [("1.11.0", "affected"), ("1.10.0", "affected"), ("1.11.1", "not_affected")],
)
def test_pysec_2022_42969_last_affected_is_inclusive(version: str, state: str) -> None:
    py = _entry("PYSEC-2022-42969", "py")
    bare = Affected(ecosystem=py.ecosystem, name=py.name, ranges=py.ranges)
    verdict = affected_status(version, bare, scheme_for("PyPI"))
    assert verdict.state == state
    assert verdict.fixed is None


def test_overlapping_intervals_as_written() -> None:
    # PYSEC-2021-114 (wagtail): [2.11, 2.11.7), [0, 2.11.6), [2.12, 2.12.4); the sorted sweep
    # of the schema's pseudocode would call 2.11.6 not affected.
    wagtail = _entry("PYSEC-2021-114", "wagtail")
    bare = Affected(ecosystem="PyPI", name="wagtail", ranges=wagtail.ranges)
    verdict = affected_status("2.11.6", bare, scheme_for("PyPI"))
    assert (verdict.state, verdict.fixed) == ("affected", "2.11.7")
    assert affected_status("2.11.7", bare, scheme_for("PyPI")).state == "not_affected"


def test_debian_backport_trap() -> None:
    entry = _affected("Debian:10", ("introduced", "0"), ("fixed", "1.36-2.1~deb10u2"))
    dpkg = scheme_for("Debian:10")
    assert affected_status("1.36-2.1~deb10u1", entry, dpkg).fixed == "1.36-2.1~deb10u2"
    assert not affected_status("1.36-2.1", entry, dpkg).affected


def test_unsorted_events_fall_back_to_the_sorted_sweep() -> None:
    entry = _affected("PyPI", ("fixed", "2.0"), ("introduced", "1.0"))
    pep = scheme_for("PyPI")
    assert affected_status("1.5", entry, pep).state == "affected"
    assert affected_status("2.0", entry, pep).state == "not_affected"
    assert affected_status("0.9", entry, pep).state == "not_affected"


def test_empty_interval_is_empty() -> None:
    entry = _affected("PyPI", ("introduced", "1.0"), ("fixed", "1.0"))
    for version in ("0.9", "1.0", "5.0"):
        assert affected_status(version, entry, scheme_for("PyPI")).state == "not_affected"


def test_limit_bounds_the_range() -> None:
    entry = _affected("PyPI", ("introduced", "1.0"), ("limit", "2.0"))
    pep = scheme_for("PyPI")
    assert affected_status("1.5", entry, pep).affected
    assert not affected_status("2.0", entry, pep).affected
    star = _affected("PyPI", ("introduced", "1.0"), ("limit", "*"))
    assert affected_status("9.0", star, pep).affected


def test_explicit_versions_and_git_ranges() -> None:
    git = AffectedRange(type="GIT", events=_events(("introduced", "0"), ("fixed", "abc123")))
    only_git = Affected(ecosystem="PyPI", name="x", ranges=(git,), versions=("1.0", "1.1"))
    pep = scheme_for("PyPI")
    assert affected_status("1.1", only_git, pep).affected
    assert affected_status("1.1.0", only_git, pep).affected  # equal under PEP 440
    assert not affected_status("1.2", only_git, pep).affected  # GIT range ignored


def test_semver_range_in_a_non_semver_ecosystem() -> None:
    entry = _affected("PyPI", ("introduced", "0"), ("fixed", "1.2.0"), kind="SEMVER")
    assert affected_status("1.1.9", entry, scheme_for("PyPI")).fixed == "1.2.0"
    assert affected_status("v1.2.0", entry, scheme_for("npm")).state == "not_affected"


@pytest.mark.parametrize("installed", ["not a version", "1.0-ä"])
def test_unparseable_installed_version_is_unknown_never_safe(installed: str) -> None:
    entry = _affected("Debian:11", ("introduced", "0"), ("fixed", "1.2-1"))
    verdict = affected_status(installed, entry, scheme_for("Debian:11"))
    assert verdict.state == "unknown"
    assert "not understood" in verdict.reason


def test_unparseable_event_version_is_unknown() -> None:
    entry = _affected("Alpine:v3.11", ("introduced", "0"), ("fixed", "4.8.0.-r1"))
    verdict = affected_status("4.8.0-r0", entry, scheme_for("Alpine:v3.11"))
    assert verdict.state == "unknown"
    assert "4.8.0.-r1" in verdict.reason


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("affected", "affected"),
        ("will_not_fix", "affected"),
        ("fix_deferred", "affected"),
        ("end_of_life", "affected"),
        ("not_affected", "not_affected"),
    ],
)
def test_distro_statuses(status: str, state: str) -> None:
    entry = Affected(ecosystem="Debian:12", name="pkg", status=status)  # type: ignore[arg-type]
    verdict = affected_status("1.0-1", entry, scheme_for("Debian:12"))
    assert (verdict.state, verdict.status, verdict.fixed) == (state, status, None)


def test_fixed_status_uses_the_ranges() -> None:
    entry = _affected("Debian:12", ("introduced", "0"), ("fixed", "2.0-1"), status="fixed")
    dpkg = scheme_for("Debian:12")
    assert affected_status("1.9-3", entry, dpkg).fixed == "2.0-1"
    assert affected_status("2.0-1", entry, dpkg).state == "not_affected"
    assert affected_status("1:0.5-1", entry, dpkg).state == "not_affected"  # epoch wins


@pytest.mark.parametrize("record", ["GO-2022-0617", "GO-2024-2442", "PYSEC-2023-73"])
def test_withdrawn_records_are_the_stores_business_not_the_evaluators(record: str) -> None:
    # The store drops withdrawn advisories; the evaluator must not silently skip anything itself.
    path = next(ADVISORIES.rglob(f"{record}.*"))
    raw = load(Path(path))
    assert raw.get("withdrawn")
    verdicts = []
    for entry in affected_entries(raw):
        scheme = scheme_for(entry.ecosystem)
        for rng in entry.ranges:
            for event in rng.events:
                if event.introduced:  # "0": affected from the first version on
                    version = "0.0.1" if event.introduced == "0" else event.introduced
                    verdicts.append(affected_status(version, entry, scheme).state)
        if entry.versions:
            verdicts.append(affected_status(entry.versions[0], entry, scheme).state)
    assert verdicts
    assert set(verdicts) == {"affected"}
