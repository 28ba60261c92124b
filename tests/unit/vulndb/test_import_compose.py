"""`caulk db import` composes: A then B keeps A, says what it added or replaced; --replace starts
over; an unreadable database is never silently thrown away."""

from __future__ import annotations

from pathlib import Path

import pytest

from caulk.vulndb.store import open_store
from tests.unit.vulndb.test_update import caulk

DISTROS = Path(__file__).resolve().parents[2] / "fixtures" / "advisories-distros"


def _locations(db: Path) -> list[str]:
    store = open_store(db)
    try:
        return sorted(s.location for s in store.sources())
    finally:
        store.close()


def test_imports_add_replace_and_start_over(
    tmp_path: Path,
    fixtures: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "v.sqlite"
    monkeypatch.setenv("CAULK_DB", str(db))
    pypa, amazon = fixtures / "osv-pypa", DISTROS / "amazon"
    code, out, err = caulk(capsys, "db", "import", str(pypa))
    assert code == 0, err
    assert f"imported 5 records from {pypa}\n" in out and "replaced" not in out

    code, out, err = caulk(capsys, "db", "import", str(amazon))  # B after A: A stays
    assert code == 0, err
    assert f"imported 4 records from {amazon}\n" in out
    assert "added to the 1 source(s) already imported (--replace starts over)" in out
    assert _locations(db) == sorted([str(pypa), str(amazon)])
    store = open_store(db)
    assert store.get("ALAS2023-2023-001") is not None and store.get("PYSEC-2018-49") is not None
    store.close()

    code, out, err = caulk(capsys, "db", "import", str(amazon))  # again: replaces its own rows
    assert code == 0, err
    assert f"imported 4 records from {amazon}: replaced its import of " in out
    assert "(4 records)" in out
    assert _locations(db) == sorted([str(pypa), str(amazon)])
    assert open_store(db).count() == (9, 0)  # nothing doubled

    code, out, err = caulk(capsys, "db", "import", "--replace", str(amazon))
    assert code == 0, err
    assert f"--replace: dropped 1 earlier source(s): {pypa}" in out
    assert _locations(db) == [str(amazon)]

    code, _, err = caulk(capsys, "db", "import", "--replace", "--append", str(amazon))
    assert code == 2 and "contradict" in err


def test_an_unreadable_database_is_not_silently_replaced(
    tmp_path: Path,
    fixtures: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "v.sqlite"
    db.write_bytes(b"not a database, but someone's file")
    monkeypatch.setenv("CAULK_DB", str(db))
    code, _, err = caulk(capsys, "db", "import", str(fixtures / "osv-pypa"))
    assert code == 3 and "--replace" in err and str(db) in err
    assert "Traceback" not in err and db.read_bytes() == b"not a database, but someone's file"
    code, _, err = caulk(capsys, "db", "import", "--replace", str(fixtures / "osv-pypa"))
    assert code == 0, err
    assert _locations(db) == [str(fixtures / "osv-pypa")]
