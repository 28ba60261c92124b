"""OSV range evaluation: is an installed version inside an `Affected` entry?

Follows the OSV schema's evaluation algorithm: each non-GIT range's events are sorted by version
("0" before everything); walking them, `introduced` opens an interval (version >= it),
`fixed` closes it (version >= fixed), `last_affected` closes it after its version (version >
it); `limit` events bound the range (version < some limit, "*" = none). An explicit `versions`
entry equal to the installed version is a hit. GIT ranges describe commits, not installed
packages, and are ignored. `SEMVER` ranges compare with SemVer 2, `ECOSYSTEM` ranges with the
ecosystem's scheme.

Distro tracker statuses (`Affected.status`): `not_affected` → not affected; `fixed` → the ranges
decide; `affected` (no fix yet), `will_not_fix`, `fix_deferred`, `end_of_life` → affected (unless
the ranges say the version predates the flaw), with no fixed version.

Anything not understood (installed version, an event's version, the ecosystem) gives
`unknown` with the reason, never `not_affected`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from caulk.match.version import SortKey, VersionError, VersionScheme, semver_scheme
from caulk.vulndb.interface import Affected, AffectedRange, DistroStatus

__all__ = ["AFFECTED", "NOT_AFFECTED", "UNKNOWN", "Verdict", "affected_status", "range_status"]

log = logging.getLogger(__name__)

AFFECTED: Literal["affected"] = "affected"
NOT_AFFECTED: Literal["not_affected"] = "not_affected"
UNKNOWN: Literal["unknown"] = "unknown"
State = Literal["affected", "not_affected", "unknown"]
_OPEN_STATUSES = frozenset({"affected", "will_not_fix", "fix_deferred", "end_of_life"})


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer for one (installed version, affected entry).

    `fixed` is the smallest fixed version above the installed one (None when there is none);
    `reason` explains `unknown`; `status` is the distro tracker's status when it has one."""

    state: State
    fixed: str | None = None
    reason: str = ""
    status: DistroStatus | None = None

    @property
    def affected(self) -> bool:
        return self.state == AFFECTED

    @property
    def unknown(self) -> bool:
        return self.state == UNKNOWN


@dataclass(frozen=True, slots=True)
class _RangeResult:
    affected: bool
    fixed: str | None  # smallest fixed event above the installed version, in this range


# Events at the same version: open before close, so "introduced X, fixed X" is an empty interval.
_EVENT_ORDER = {"introduced": 0, "last_affected": 1, "fixed": 2, "limit": 3}


def _events(rng: AffectedRange) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for event in rng.events:
        for kind in ("introduced", "fixed", "last_affected", "limit"):
            value = getattr(event, kind)
            if value is not None:
                out.append((kind, value))
    return out


def range_status(installed: SortKey, rng: AffectedRange, scheme: VersionScheme) -> _RangeResult:
    """Evaluate one ECOSYSTEM/SEMVER range; raises `VersionError` for an event it cannot read."""
    keyed: list[tuple[tuple[int, SortKey | None, int], str, str]] = []
    limits: list[SortKey] = []
    unlimited = False
    for kind, value in _events(rng):
        if kind == "introduced" and value == "0":
            keyed.append(((0, None, 0), kind, value))
            continue
        if kind == "limit":
            if value == "*":
                unlimited = True
            else:
                limits.append(scheme.key(value))
            continue
        keyed.append(((1, scheme.key(value), _EVENT_ORDER[kind]), kind, value))
    keyed.sort(key=_sort_key)
    affected = False
    fixed: str | None = None
    fixed_key: SortKey | None = None
    for (_, key, _), kind, value in keyed:
        if kind == "introduced":
            if key is None or not installed < key:
                affected = True
        elif kind == "fixed":
            assert key is not None
            if not installed < key:
                affected = False
            elif fixed_key is None or key < fixed_key:
                fixed, fixed_key = value, key
        elif kind == "last_affected":
            assert key is not None
            if key < installed:
                affected = False
    if limits and not unlimited and not any(installed < limit for limit in limits):
        affected = False
    return _RangeResult(affected, fixed)


def _sort_key(item: tuple[tuple[int, SortKey | None, int], str, str]) -> _Sortable:
    return _Sortable(item[0])


class _Sortable:
    """Orders (is_zero_flag, key, event order) without comparing None with a key."""

    __slots__ = ("value",)

    def __init__(self, value: tuple[int, SortKey | None, int]) -> None:
        self.value = value

    def __lt__(self, other: _Sortable) -> bool:
        a, b = self.value, other.value
        if a[0] != b[0]:
            return a[0] < b[0]
        if a[1] is None or b[1] is None:
            return a[2] < b[2]
        if a[1] < b[1]:
            return True
        if b[1] < a[1]:
            return False
        return a[2] < b[2]


def _range_scheme(rng: AffectedRange, scheme: VersionScheme) -> VersionScheme:
    if rng.type.upper() == "SEMVER" and not scheme.semver_compatible:
        return semver_scheme()
    return scheme


def _listed(version: str, key: SortKey, affected: Affected, scheme: VersionScheme) -> bool:
    if version in affected.versions:
        return True
    for listed in affected.versions:
        try:
            other = scheme.key(listed)
        except VersionError:
            continue
        if not (key < other or other < key):
            return True
    return False


def affected_status(version: str, affected: Affected, scheme: VersionScheme) -> Verdict:
    """Is `version` (installed, in `scheme`) affected by this OSV `affected` entry?"""
    status = affected.status
    if status == "not_affected":
        return Verdict(NOT_AFFECTED, status=status)
    ranges = [r for r in affected.ranges if r.type.upper() != "GIT"]
    try:
        installed = scheme.key(version)
    except VersionError as exc:
        if version in affected.versions:
            return Verdict(AFFECTED, status=status)
        return Verdict(UNKNOWN, reason=exc.message, status=status)
    hit = _listed(version, installed, affected, scheme)
    fixes: list[str] = []
    in_range = False
    for rng in ranges:
        range_scheme = _range_scheme(rng, scheme)
        try:
            key = installed if range_scheme is scheme else range_scheme.key(version)
            result = range_status(key, rng, range_scheme)
        except VersionError as exc:
            if hit:
                continue
            return Verdict(UNKNOWN, reason=exc.message, status=status)
        if result.affected:
            in_range = True
            if result.fixed is not None:
                fixes.append(result.fixed)
    if status in _OPEN_STATUSES:
        if ranges and not in_range and not hit:
            return Verdict(NOT_AFFECTED, status=status)
        return Verdict(AFFECTED, status=status)
    if in_range or hit:
        return Verdict(AFFECTED, fixed=_smallest(fixes, scheme), status=status)
    return Verdict(NOT_AFFECTED, status=status)


def _smallest(fixes: list[str], scheme: VersionScheme) -> str | None:
    if len(fixes) <= 1:
        return fixes[0] if fixes else None
    try:
        return min(fixes, key=scheme.key)
    except VersionError:
        return fixes[0]
