"""OSV range evaluation: is an installed version inside an `Affected` entry?

OSV semantics (the schema's "Evaluation" section): a version is affected if it is listed in
`versions` or lies in any range. In a range, `introduced` opens an interval (version >= it;
"0" = from the start), `fixed` closes it (version >= fixed is out), `last_affected` closes it
inclusively (version > it is out), and `limit` events, if any, bound the range (version < some
limit; "*" = no bound). GIT ranges describe commits, not installed packages: ignored here.
`SEMVER` ranges compare by SemVer 2, `ECOSYSTEM` ranges by the ecosystem's scheme.

Several intervals in one event list: when the list is written as intervals (each `introduced`
followed by its closing event, as every real feed writes it), the intervals are evaluated as
written, so overlapping or adjacent intervals (PYSEC-2021-114: [2.11, 2.11.7) and [0, 2.11.6))
mean what their authors meant. Otherwise the schema's reference algorithm applies: events sorted
by version, then swept.

Distro tracker statuses (`Affected.status`): `not_affected` → not affected; `fixed` → the ranges
decide; `affected` (no fix yet), `will_not_fix`, `fix_deferred`, `end_of_life` → affected (unless
the ranges place the version before the flaw), with no fixed version.

Anything not understood (installed version, an event's version) gives `unknown` with the
reason, never `not_affected`.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal

from caulk.match.version import SortKey, VersionError, VersionScheme, semver_scheme
from caulk.vulndb.interface import Affected, AffectedRange, DistroStatus

__all__ = ["AFFECTED", "NOT_AFFECTED", "UNKNOWN", "RangeResult", "Verdict", "affected_status"]
__all__ += ["range_status"]

log = logging.getLogger(__name__)

AFFECTED: Literal["affected"] = "affected"
NOT_AFFECTED: Literal["not_affected"] = "not_affected"
UNKNOWN: Literal["unknown"] = "unknown"
State = Literal["affected", "not_affected", "unknown"]
_OPEN_STATUSES = frozenset({"affected", "will_not_fix", "fix_deferred", "end_of_life"})


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer for one (installed version, affected entry).

    `fixed` is the version that fixes the interval the installed version is in (the smallest
    such fix above it; None when there is none); `reason` explains `unknown`; `status` is the
    distro tracker's status when there is one."""

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
class RangeResult:
    affected: bool
    fixed: str | None  # the smallest fix above the installed version, of an interval holding it


Event = tuple[str, str]  # (kind, version)
Interval = tuple[str, Event | None]  # (introduced, closing event or None = open-ended)

_EVENT_ORDER = {"introduced": 0, "last_affected": 1, "fixed": 2}


def _events(rng: AffectedRange) -> tuple[list[Event], list[str]]:
    """The range's introduced/fixed/last_affected events in order, and its limits."""
    events: list[Event] = []
    limits: list[str] = []
    for event in rng.events:
        if event.introduced is not None:
            events.append(("introduced", event.introduced))
        if event.fixed is not None:
            events.append(("fixed", event.fixed))
        if event.last_affected is not None:
            events.append(("last_affected", event.last_affected))
        if event.limit is not None:
            limits.append(event.limit)
    return events, limits


def _intervals(events: list[Event]) -> list[Interval] | None:
    """The intervals as written, or None when the list is not written as intervals."""
    out: list[Interval] = []
    opened: str | None = None
    for kind, value in events:
        if kind == "introduced":
            if opened is not None:
                out.append((opened, None))
            opened = value
        elif opened is None:
            return None
        else:
            out.append((opened, (kind, value)))
            opened = None
    if opened is not None:
        out.append((opened, None))
    return out


def _smallest(fixes: list[tuple[SortKey, str]]) -> str | None:
    if not fixes:
        return None
    best = fixes[0]
    for item in fixes[1:]:
        if item[0] < best[0]:
            best = item
    return best[1]


def _interval_status(
    installed: SortKey, intervals: list[Interval], scheme: VersionScheme
) -> RangeResult:
    affected = False
    fixes: list[tuple[SortKey, str]] = []
    for introduced, closing in intervals:
        if introduced != "0" and installed < scheme.key(introduced):
            continue
        if closing is None:
            affected = True
            continue
        kind, value = closing
        bound = scheme.key(value)
        if kind == "fixed":
            if installed < bound:
                affected = True
                fixes.append((bound, value))
        elif not bound < installed:  # last_affected, inclusive
            affected = True
    return RangeResult(affected, _smallest(fixes))


class _EventKey:
    """Sorts events by version ("introduced 0" first), ties by kind, without comparing None."""

    __slots__ = ("key", "order")

    def __init__(self, key: SortKey | None, order: int) -> None:
        self.key = key
        self.order = order

    def __lt__(self, other: _EventKey) -> bool:
        if self.key is None or other.key is None:
            if self.key is None and other.key is None:
                return self.order < other.order
            return self.key is None
        if self.key < other.key:
            return True
        if other.key < self.key:
            return False
        return self.order < other.order


def _swept_status(installed: SortKey, events: list[Event], scheme: VersionScheme) -> RangeResult:
    """The OSV schema's reference algorithm: events sorted by version, then swept."""
    keyed: list[tuple[_EventKey, str, str]] = []
    for kind, value in events:
        key = None if kind == "introduced" and value == "0" else scheme.key(value)
        keyed.append((_EventKey(key, _EVENT_ORDER[kind]), kind, value))
    keyed.sort(key=lambda item: item[0])
    affected = False
    fixes: list[tuple[SortKey, str]] = []
    for event_key, kind, value in keyed:
        key = event_key.key
        if kind == "introduced":
            if key is None or not installed < key:
                affected = True
        elif kind == "fixed":
            assert key is not None
            if not installed < key:
                affected = False
            elif affected:
                fixes.append((key, value))
        elif key is not None and key < installed:  # last_affected
            affected = False
    return RangeResult(affected, _smallest(fixes))


def range_status(installed: SortKey, rng: AffectedRange, scheme: VersionScheme) -> RangeResult:
    """Evaluate one ECOSYSTEM/SEMVER range; `VersionError` for an event it cannot read."""
    events, limits = _events(rng)
    bounded = [limit for limit in limits if limit != "*"]
    unbounded = len(bounded) < len(limits)  # a "*" limit
    if bounded and not unbounded and not any(installed < scheme.key(b) for b in bounded):
        return RangeResult(False, None)
    intervals = _intervals(events)
    if intervals is not None:
        return _interval_status(installed, intervals, scheme)
    return _swept_status(installed, events, scheme)


def _range_scheme(rng: AffectedRange, scheme: VersionScheme) -> VersionScheme:
    if rng.type.upper() == "SEMVER" and not scheme.semver_compatible:
        return semver_scheme()
    return scheme


# Listed versions as a set of scheme identities, per `versions` tuple (held, so ids stay valid).
_LISTED: dict[int, tuple[tuple[str, ...], frozenset[Hashable]]] = {}
_LISTED_LIMIT = 4096


def _identity(key: SortKey, text: str) -> Hashable:
    return key if isinstance(key, Hashable) and type(key).__hash__ is not None else text


def _listed_identities(versions: tuple[str, ...], scheme: VersionScheme) -> frozenset[Hashable]:
    cached = _LISTED.get(id(versions))
    if cached is not None and cached[0] is versions:
        return cached[1]
    identities: set[Hashable] = set()
    for text in versions:
        try:
            identities.add(_identity(scheme.key(text), text))
        except VersionError:
            identities.add(text)
    frozen = frozenset(identities)
    if len(_LISTED) >= _LISTED_LIMIT:
        _LISTED.clear()
    _LISTED[id(versions)] = (versions, frozen)
    return frozen


def _listed(version: str, key: SortKey, affected: Affected, scheme: VersionScheme) -> bool:
    if not affected.versions:
        return False
    if version in affected.versions:
        return True
    return _identity(key, version) in _listed_identities(affected.versions, scheme)


def affected_status(version: str, affected: Affected, scheme: VersionScheme) -> Verdict:
    """Is `version` (installed, read with `scheme`) affected by this OSV `affected` entry?"""
    status = affected.status
    if status == "not_affected":
        return Verdict(NOT_AFFECTED, status=status)
    try:
        installed = scheme.key(version)
    except VersionError as exc:
        if version in affected.versions:
            return Verdict(AFFECTED, status=status)
        return Verdict(UNKNOWN, reason=exc.message, status=status)
    hit = _listed(version, installed, affected, scheme)
    fixes: list[str] = []
    in_range = False
    evaluated = False
    for rng in affected.ranges:
        if rng.type.upper() == "GIT":
            continue
        evaluated = True
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
        if evaluated and not in_range and not hit:
            return Verdict(NOT_AFFECTED, status=status)
        return Verdict(AFFECTED, status=status)
    if in_range or hit:
        return Verdict(AFFECTED, fixed=_smallest_text(fixes, scheme), status=status)
    return Verdict(NOT_AFFECTED, status=status)


def _smallest_text(fixes: list[str], scheme: VersionScheme) -> str | None:
    if len(fixes) <= 1:
        return fixes[0] if fixes else None
    try:
        return _smallest([(scheme.key(text), text) for text in fixes])
    except VersionError:
        return fixes[0]
