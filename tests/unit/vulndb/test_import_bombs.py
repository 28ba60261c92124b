"""`caulk db import` against advisory sources built to exhaust memory or hang (issue 9 item 11),
each run under an address-space cap and a timeout: a regression fails instead of killing CI."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from tests.support.limits import run_cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "advisories"
GOOD = FIXTURES / "go-vulndb" / "GO-2023-2102.json"

# 9 levels of 9 aliases: 9**9 (387 million) strings once expanded; 687 bytes as written.
LAUGHS = (
    "id: PYSEC-0000-1\nmodified: '2024-01-01T00:00:00Z'\naffected:\n"
    "  - package: {ecosystem: PyPI, name: lol}\n    ecosystem_specific:\n"
    "      a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(
        f"      {chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
        for i in range(8)
    )
)


def _import(tmp_path: Path, source: Path) -> tuple[int, str, str]:
    run = run_cli(
        "db", "--db", tmp_path / "db.sqlite", "import", source,
        cwd=tmp_path, memory_mb=1024, timeout=180,
        env={"CAULK_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    assert not run.timed_out, run
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run
    return run.rc, run.stdout, run.stderr


def test_alias_tree_symlink_to_dev_zero_and_fifo_are_skipped(tmp_path: Path) -> None:
    source = tmp_path / "advisories"
    source.mkdir()
    shutil.copy(GOOD, source / "GO-2023-2102.json")
    (source / "PYSEC-0000-1.yaml").write_text(LAUGHS)
    (source / "zero.json").symlink_to("/dev/zero")
    os.mkfifo(source / "fifo.json")
    rc, out, err = _import(tmp_path, source)
    assert rc == 0, (out, err)
    assert "imported 1 records" in out and "3 skipped" in out, out
    assert "aliases are not accepted" in err
    assert "zero.json: file is a symbolic link" in err
    assert "fifo.json: file is not a regular file" in err


def test_zip_of_empty_objects_is_refused_before_parsing(tmp_path: Path) -> None:
    """60 MB of `{},` (a 60 KB zip) parses to ~1.5 GB of dicts: over the cap, so refused by count.
    The real attack was 512 MB (12 GB parsed); the container limit stops both."""
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("all.json", b"[" + b"{}," * 20_000_000 + b"{}]")
        zf.write(GOOD, "GO-2023-2102.json")
    assert archive.stat().st_size < 1 << 20
    rc, out, err = _import(tmp_path, archive)
    assert rc == 0, (out, err)
    assert "imported 1 records" in out and "1 skipped" in out, out
    assert "more than 16000000 objects and arrays" in err
