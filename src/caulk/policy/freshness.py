"""Is the advisory data a verdict rests on recent enough? A pure function of the sources' own
dates, a clock reading and the allowed age (7 days unless configured).

A source without any date (no feed timestamp, no record `modified`) cannot be shown to be fresh:
it counts as stale, with that said.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from caulk.errors import UsageError
from caulk.vulndb.dates import parse_utc
from caulk.vulndb.interface import SourceFreshness

__all__ = [
    "DEFAULT_MAX_DB_AGE",
    "StaleSource",
    "describe_stale",
    "format_age",
    "parse_max_age",
    "stale_sources",
]

DEFAULT_MAX_DB_AGE = timedelta(days=7)
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhm]?)\s*$", re.IGNORECASE)
_UNITS = {"d": "days", "": "days", "h": "hours", "m": "minutes"}


@dataclass(frozen=True, slots=True)
class StaleSource:
    location: str
    data_date: str | None  # None: the source carries no date
    age: timedelta | None


def parse_max_age(text: str, where: str = "--db-max-age") -> timedelta:
    """`7`, `7d`, `36h`, `90m` → a timedelta (a bare number is days)."""
    match = _AGE.match(text)
    if match is None:
        raise UsageError(f"expected an age such as 7d, 36h or 90m, not {text!r}", where=where)
    return timedelta(**{_UNITS[match.group(2).lower()]: float(match.group(1))})


def format_age(age: timedelta) -> str:
    if age >= timedelta(days=1):
        return f"{age.days} day{'s' if age.days != 1 else ''}"
    hours = int(age.total_seconds() // 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}"


def stale_sources(
    sources: Iterable[SourceFreshness], now: datetime, max_age: timedelta
) -> tuple[StaleSource, ...]:
    stale = []
    for source in sources:
        date = parse_utc(source.data_date)
        if date is None:
            stale.append(StaleSource(source.location, None, None))
        elif now - date > max_age:
            stale.append(StaleSource(source.location, source.data_date, now - date))
    return tuple(stale)


def describe_stale(stale: Iterable[StaleSource], max_age: timedelta) -> str:
    """One line naming each stale source and its data date."""
    parts = [
        f"{s.location} (data from {s.data_date[:10]}, {format_age(s.age)} old)"
        if s.data_date and s.age is not None
        else f"{s.location} (carries no date)"
        for s in stale
    ]
    return (
        f"the advisory data matched against is older than {format_age(max_age)}: "
        f"{', '.join(parts)}; run `caulk db update`"
    )
