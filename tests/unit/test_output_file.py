"""`-o PATH` writes atomically to regular files and in place to devices (never replacing them)."""

from __future__ import annotations

import os
from pathlib import Path

from caulk.cli.output import write_output


def test_regular_file_is_replaced_atomically_and_readable(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    write_output(b"new", target)
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o044
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_character_device_is_written_in_place_not_replaced() -> None:
    before = os.stat("/dev/null")
    write_output(b"discarded", Path("/dev/null"))
    after = os.stat("/dev/null")
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert Path("/dev/null").is_char_device()
