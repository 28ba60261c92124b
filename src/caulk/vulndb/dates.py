"""Timestamps of advisory data: the dates feeds and records carry, read leniently into UTC.

Feeds write `2024-05-01T12:34:56Z`, `…56.123456Z`, `…+00:00`, a bare `2024-05-01` or an HTTP date
(`Wed, 01 May 2024 12:34:56 GMT`, a download's Last-Modified); anything else is no date at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["format_utc", "parse_utc", "record_date"]

_PLACEHOLDER_BEFORE = datetime(1990, 1, 1, tzinfo=UTC)  # "0001-01-01T00:00:00Z" and the like


def parse_utc(text: object) -> datetime | None:
    """The instant `text` names, in UTC (naive values are taken as UTC), or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        try:
            stamp = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def format_utc(stamp: datetime) -> str:
    """`2024-05-01T12:34:56Z`."""
    return stamp.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def record_date(text: object) -> datetime | None:
    """A record's `modified`/`published`, None when absent or a placeholder (year 1 etc.)."""
    stamp = parse_utc(text)
    return stamp if stamp is not None and stamp >= _PLACEHOLDER_BEFORE else None
