"""`.dive-ci` files read with dive's own value rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from caulk.check.image import CheckOptions, load_dive_ci
from caulk.check.image.dive_ci import parse_bytes
from caulk.errors import UsageError


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("20MB", 20_000_000),
        ("20MiB", 20 * 1024 * 1024),
        ("1000", 1000),
        ("1.5 GB", 1_500_000_000),
        ("1,000 kb", 1_000_000),
        ("3k", 3000),
    ],
)
def test_parse_bytes_like_go_humanize(text: str, value: int) -> None:
    assert parse_bytes(text) == value


@pytest.mark.parametrize("text", ["", "MB", "12 parsecs", "-1"])
def test_parse_bytes_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_bytes(text)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".dive-ci"
    path.write_text(text)
    return path


def test_dive_ci_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n"
        "  highestUserWastedPercent: disabled\n",
    )
    base = CheckOptions(allow_tools=frozenset({"curl"}))
    options = load_dive_ci(path, base)
    assert options == CheckOptions(
        allow_tools=frozenset({"curl"}),
        lowest_efficiency=0.95,
        highest_wasted_bytes=20_000_000,
        highest_user_wasted_percent=None,
    )


def test_missing_keys_keep_dive_defaults(tmp_path: Path) -> None:
    options = load_dive_ci(write(tmp_path, "rules:\n  lowestEfficiency: '0.5'\n"))
    assert (options.lowest_efficiency, options.highest_wasted_bytes) == (0.5, None)
    assert options.highest_user_wasted_percent == 0.1
    assert load_dive_ci(write(tmp_path, "")) == CheckOptions()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [1, 2]", "expected a mapping"),
        ("- a\n- b\n", "expected a mapping"),
        ("rules:\n  lowestEfficiency: high\n", "rules.lowestEfficiency: 'high' is not a ratio"),
        ("rules:\n  highestWastedBytes: 12 parsecs\n", "unknown size unit 'parsecs'"),
        ("rules: {a: [}\n", "not valid YAML"),
        ("a: &a [1, 1]\nrules: {b: *a}\n", "aliases are not accepted"),  # issue 9: no alias bombs
    ],
)
def test_bad_files_are_usage_errors_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UsageError, match=message) as info:
        load_dive_ci(path)
    assert info.value.where == str(path)
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read dive CI file") as info:
        load_dive_ci(tmp_path / "nope")
    assert info.value.where == str(tmp_path / "nope")
