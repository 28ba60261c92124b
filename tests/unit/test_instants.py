"""caulk.instants: strict RFC 3339 instants (in UTC, far from datetime's limits) and dates."""

from __future__ import annotations

import datetime as dt

import pytest

from caulk.instants import parse_date, parse_instant

UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-10-17T09:00:00+09:00", dt.datetime(2023, 10, 17, 0, 0, tzinfo=UTC)),
        ("2023-10-17t01:00:00z", dt.datetime(2023, 10, 17, 1, 0, tzinfo=UTC)),
        ("2023-10-17 01:00:00-02:30", dt.datetime(2023, 10, 17, 3, 30, tzinfo=UTC)),
        ("2026-11-29T05:05:32.584859451Z", dt.datetime(2026, 11, 29, 5, 5, 32, 584859, tzinfo=UTC)),
    ],
)
def test_instants_are_utc(text: str, expected: dt.datetime) -> None:
    moment = parse_instant(text)
    assert moment == expected and moment.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("2023-10-17T01:00:00", "time zone"),  # naive: which instant?
        ("2023-10-17", "time zone"),
        ("20231017T010000Z", "time zone"),  # ISO basic format is not RFC 3339
        ("2023-02-30T00:00:00Z", "not a valid time"),
        ("2023-01-01T00:00:00+24:00", "not a valid time"),
        ("9999-12-31T23:59:59-01:00", "not a valid time"),  # year 10000 in UTC
        ("9500-01-01T00:00:00Z", "too far"),
        ("x" * 500, "..."),  # the message stays short
    ],
)
def test_bad_instants(text: str, needle: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_instant(text)
    assert needle in str(caught.value) and len(str(caught.value)) < 150


def test_dates() -> None:
    assert parse_date("2027-01-31") == dt.date(2027, 1, 31)
    for bad in ("2027-1-31", "2027-01-31T00:00:00Z", "2027-02-29", "0000-01-01", "27-01-31"):
        with pytest.raises(ValueError):
            parse_date(bad)
