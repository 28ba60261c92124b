"""The ignore file: `expires` is validated by caulk, never turned into a date by YAML first
(issue 9 item 20), and hostile YAML is one clear error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from caulk.errors import EXIT_BAD_INPUT, PolicyError
from caulk.match.ignore import load_ignore_file


def _load(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".caulkignore.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("expires", "expected"),
    [("2027-01-31", dt.date(2027, 1, 31)), ("'2027-01-31'", dt.date(2027, 1, 31)), ("", None)],
)
def test_valid_expiry(tmp_path: Path, expires: str, expected: dt.date | None) -> None:
    text = f"vulnerabilities:\n  - id: CVE-1\n    reason: why\n    expires: {expires}\n"
    (entry,) = load_ignore_file(_load(tmp_path, text)).vulnerabilities
    assert entry.expires == expected


@pytest.mark.parametrize(
    ("expires", "needle"),
    [
        ("2027-02-30", "not a valid date"),  # YAML's timestamp resolver raised ValueError: exit 3
        ("2027-01-31 10:00:00", "not a YYYY-MM-DD date"),  # YAML made a datetime
        ("2027-01-31T10:00:00Z", "not a YYYY-MM-DD date"),
        ("0000-01-01", "not a valid date"),
        ("20270131", "not a YYYY-MM-DD date"),
        ("[2027]", "not a YYYY-MM-DD date"),
    ],
)
def test_bad_expiry_is_a_policy_error(tmp_path: Path, expires: str, needle: str) -> None:
    path = _load(
        tmp_path, f"vulnerabilities:\n  - id: CVE-1\n    reason: r\n    expires: {expires}\n"
    )
    with pytest.raises(PolicyError) as caught:
        load_ignore_file(path)
    assert needle in str(caught.value) and "CVE-1" in str(caught.value)
    assert caught.value.exit_code == EXIT_BAD_INPUT and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("a: &a [x, x]\nb: &b [*a, *a]\nvulnerabilities: [*b]\n", "aliases are not accepted"),
        ("vulnerabilities: " + "[" * 300 + "]" * 300 + "\n", "nested more than"),
        ("vulnerabilities: [\n  {id: CVE-1, reason: 'AKIAFAKE\n", "not valid YAML"),
    ],
)
def test_hostile_yaml_is_one_clear_error(tmp_path: Path, text: str, needle: str) -> None:
    path = _load(tmp_path, text)
    with pytest.raises(PolicyError) as caught:
        load_ignore_file(path)
    assert needle in str(caught.value) and str(path) in str(caught.value)
    assert "AKIA" not in str(caught.value)
