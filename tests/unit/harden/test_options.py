from __future__ import annotations

import pytest

from caulk.errors import UsageError
from caulk.harden.options import DefangOptions, UserSpec, created_from_epoch


def test_user_spec_parse() -> None:
    assert UserSpec.parse("nonroot") == UserSpec("nonroot")
    assert UserSpec.parse("1000:1000") == UserSpec("1000", "1000")
    assert str(UserSpec.parse("app:apps")) == "app:apps"


@pytest.mark.parametrize("text", ["", ":", "a:", ":b", "a b", "x;rm", "a:b:c"])
def test_user_spec_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        UserSpec.parse(text)


def test_command_line_is_canonical() -> None:
    a = DefangOptions(remove_shells=True, remove_paths=("/b", "/a", "/b"), user=UserSpec("x"))
    b = DefangOptions(remove_paths=("/a", "/b"), remove_shells=True, user=UserSpec("x"))
    assert a.command_line() == b.command_line()
    assert a.command_line() == "caulk defang --remove-shells --remove /a --remove /b --user x"


def test_source_date_epoch() -> None:
    assert created_from_epoch("0") == "1970-01-01T00:00:00Z"
    assert created_from_epoch("1700000000") == "2023-11-14T22:13:20Z"
    with pytest.raises(UsageError):
        created_from_epoch("yesterday")
