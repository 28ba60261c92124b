"""Times and dates from untrusted text (VEX statements, image configs, ignore files, registry
notifications), parsed strictly and kept within what `datetime` can compute with.

`datetime.fromisoformat` accepts many ISO 8601 shapes and gives naive values for some of them;
comparing the *strings* orders `+09:00` wrongly; and a moment such as
`9999-12-31T23:59:59-01:00` parses but overflows as soon as it is converted to UTC or subtracted.
Here an instant is RFC 3339 with an offset, returned in UTC, and anything else is a ValueError
whose message says what is wrong without echoing more than the value.

    parse_instant("2023-10-17T09:00:00+09:00")  # datetime(2023, 10, 17, 0, 0, tzinfo=UTC)
    parse_date("2027-01-31")                     # date(2027, 1, 31)
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["parse_date", "parse_instant"]

_INSTANT = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<time>\d{2}:\d{2}:\d{2})(?P<fraction>\.\d{1,9})?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2})"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Far enough from datetime.max that adding a lifecycle's days or an offset cannot overflow.
_LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)


def parse_instant(text: str) -> dt.datetime:
    """An RFC 3339 date-time with an offset, as an aware datetime in UTC."""
    match = _INSTANT.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{_show(text)} is not an RFC 3339 time with a time zone")
    offset = match["offset"]
    iso = (
        f"{match['date']}T{match['time']}{(match['fraction'] or '')[:7]}"
        f"{'+00:00' if offset in 'Zz' else offset}"
    )
    try:
        moment = dt.datetime.fromisoformat(iso).astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise ValueError(f"{_show(text)} is not a valid time") from None
    if moment >= _LATEST:
        raise ValueError(f"{_show(text)} is too far in the future")
    return moment


def parse_date(text: str) -> dt.date:
    """A calendar date written YYYY-MM-DD (nothing else: no times, no week dates)."""
    if not isinstance(text, str) or _DATE.fullmatch(text) is None:
        raise ValueError(f"{_show(text)} is not a YYYY-MM-DD date")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{_show(text)} is not a valid date") from None


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
